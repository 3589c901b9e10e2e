/**
 * The labels `npm run alerts:test` sends reach each receiver in Alertmanager
 * itself: `amtool config routes test --verify.receivers` on the alert manager
 * definition of the prod template (what AMP receives).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import { testAlerts } from '../../scripts/alert-probes';
import { renderedFromTemplate } from './rendered';
import { realTool } from '../../scripts/real-tools';
import { modelOf } from '../helpers';

const rendered = renderedFromTemplate();
afterAll(() => fs.rmSync(rendered.dir, { recursive: true, force: true }));
const alerts = testAlerts(modelOf().routing);

function routesTest(receiver: string, labels: Record<string, string>) {
  const r = spawnSync(
    realTool('amtool'),
    [
      'config',
      'routes',
      'test',
      `--config.file=${rendered.alertmanagerConfig}`,
      `--verify.receivers=${receiver}`,
      ...Object.entries(labels).map(([k, v]) => `${k}=${v}`),
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  return { status: r.status, out: r.stdout.trim() };
}

describe('alerts:test labels, routed by amtool on the config AMP receives', () => {
  test('there is a test alert for each of the four receivers', () => {
    expect(alerts.map((a) => a.receiver).sort()).toEqual(['critical', 'info', 'warning', 'watchdog']);
  });

  test.each(alerts.map((a) => [a.receiver, a.labels] as const))('reaches %s', (receiver, labels) => {
    expect(routesTest(receiver, labels)).toEqual({ status: 0, out: receiver });
  });

  test('amtool disagrees when a test alert is asked to reach another receiver', () => {
    const critical = alerts.find((a) => a.receiver === 'critical')!;
    expect(routesTest('info', critical.labels).status).not.toBe(0);
  });
});
