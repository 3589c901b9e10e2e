import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { renderCollectorConfig } from '../../lib/render/collector-config';
import { environmentOf, modelOf, resolveJoin, resourcesOf, synth } from '../helpers';
import { realTool } from '../../scripts/real-tools';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'obs-scrape-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The collector configuration as the template delivers it (the SSM parameter's value). */
function fromTemplate(env: string, override?: Parameters<typeof synth>[1]): Record<string, any> {
  const { json } = synth(env, override);
  const [, param] = resourcesOf(json, 'AWS::SSM::Parameter').find(([, p]) =>
    /\/otel-collector\/config-[0-9a-f]{12}$/.test(String(p.Name)),
  )!;
  return parse(resolveJoin(param.Value));
}

/** The prometheus receiver's `config:` is Prometheus scrape configuration: promtool checks it. */
function promtoolCheck(name: string, config: Record<string, any>) {
  const file = path.join(dir, `${name}.yml`);
  fs.writeFileSync(file, stringify(config));
  const r = spawnSync(realTool('promtool'), ['check', 'config', file], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("the collector's scrape configuration passes promtool check config", () => {
  test.each([
    ['prod (dns discovery, from the template)', () => fromTemplate('prod')],
    [
      'prod (ecs discovery, from the template)',
      () =>
        fromTemplate('prod', (e) => ({ ...e, discovery: { mode: 'ecs', clusterName: 'trading', serviceLabel: 'com.trading.service' } })),
    ],
    ['local (static targets)', () => renderCollectorConfig({ environment: environmentOf('local'), catalog: modelOf().catalog })],
  ])('%s', (name, config) => {
    const cfg = config();
    for (const receiver of ['prometheus', 'prometheus/self']) {
      const r = promtoolCheck(`${name.replace(/\W+/g, '-')}-${receiver.replace('/', '-')}`, cfg.receivers[receiver].config);
      expect(r.out).toContain('SUCCESS');
      expect(r.status).toBe(0);
    }
  });

  test('promtool rejects a broken scrape configuration (the check can fail)', () => {
    const r = promtoolCheck('broken', { scrape_configs: [{ job_name: 'x', dns_sd_configs: [{ names: ['x'], type: 'A' }] }] });
    expect(r.status).not.toBe(0);
  });
});
