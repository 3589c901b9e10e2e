/**
 * `npm run catalog:add -- dashboards/<file>.json --service NAME [--buckets 0.1,0.5,1]`:
 * declares in catalog/metrics.yaml, in one run, every metric the dashboard
 * queries that the catalog lacks (issue #29, item 2). The rest of the file
 * (comments, order, formatting) is kept: it is edited through the yaml
 * library's Document API and the new entries are appended to `metrics:`.
 *
 * Per metric: its type from its name and how the dashboard uses it (`x_bucket`
 * under histogram_quantile, or `x_bucket` next to `x_sum`/`x_count` →
 * histogram `x`; `_total` or under rate/irate/increase/resets → counter;
 * otherwise gauge); a unit from its name's suffix; the service given; the
 * labels of its selectors and of the `by (...)` clauses around it (not `le`,
 * `job`, `instance`: the scrape and the histogram add those), each with 1
 * value, for the user to correct; a histogram's boundaries from `--buckets`,
 * or a placeholder that synth refuses until the user fills it in.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Document, isMap, isSeq, parseDocument, type YAMLSeq } from 'yaml';
import { ENVIRONMENTS_FILE, parseEnvironment } from '../lib/config/parse-environment';
import { projectRoot } from '../lib/io/read-project';
import { parseYamlText } from '../lib/data-file';
import { UserInputError } from '../lib/errors';
import { dashboardSelectors } from '../lib/model/dashboards';
import { PLACEHOLDER_PREFIX } from '../lib/model/grafana-variables';
import { BUCKETS_PLACEHOLDER, BUCKETS_SOURCE_PLACEHOLDER, CATALOG_FILE, parseCatalog } from '../lib/model/metric-catalog';
import { COLLECTOR_JOB } from '../lib/render/collector-image';
import { parseCli } from './cli-args';

const USAGE = 'usage: npm run catalog:add -- dashboards/<file>.json --service NAME [--buckets 0.1,0.5,1]';
const COUNTER_FUNCTIONS = new Set(['rate', 'irate', 'increase', 'resets']);
/** Labels the scrape (job, instance) or the histogram (le) adds: not the metric's own. */
const NOT_OWN_LABELS = new Set(['le', 'job', 'instance', '__name__']);
const UNITS: readonly [RegExp, string][] = [
  [/_seconds(_total)?$/, 's'],
  [/_milliseconds(_total)?$/, 'ms'],
  [/_bytes(_total)?$/, 'By'],
  [/_ratio$/, '1'],
  [/_percent$/, 'percent'],
  [/_celsius$/, 'Cel'],
];

export interface NewMetric {
  name: string;
  type: 'counter' | 'gauge' | 'histogram';
  unit: string;
  services: string[];
  description: string;
  labels?: Record<string, number>;
  buckets?: number[] | string;
  bucketsSource?: string;
}

/** The entries to add for a dashboard: every metric it queries that the catalog (or a recording rule) does not have. */
export function metricsToAdd(
  file: string,
  text: string,
  known: (series: string) => boolean,
  service: string,
  buckets: number[] | undefined,
): NewMetric[] {
  const uses = new Map<string, { functions: Set<string>; labels: Set<string> }>();
  for (const { selector } of dashboardSelectors(file, text)) {
    if (!selector.name || known(selector.name)) continue;
    const use = uses.get(selector.name) ?? { functions: new Set(), labels: new Set() };
    selector.enclosing.forEach((f) => use.functions.add(f));
    [...selector.matchers.map((m) => m.name), ...selector.grouping].forEach((l) => use.labels.add(l));
    uses.set(selector.name, use);
  }
  // Histograms: x_bucket under histogram_quantile, or beside x_sum / x_count.
  const histograms = new Set<string>();
  for (const [name, use] of uses) {
    const base = /^(.*)_bucket$/.exec(name)?.[1];
    if (base && (use.functions.has('histogram_quantile') || uses.has(`${base}_sum`) || uses.has(`${base}_count`))) histograms.add(base);
  }
  const merged = new Map<string, { type: NewMetric['type']; labels: Set<string> }>();
  for (const [name, use] of uses) {
    const base = /^(.*)_(bucket|sum|count)$/.exec(name)?.[1];
    const key = base && histograms.has(base) ? base : name;
    const type: NewMetric['type'] = histograms.has(key)
      ? 'histogram'
      : name.endsWith('_total') || [...use.functions].some((f) => COUNTER_FUNCTIONS.has(f))
        ? 'counter'
        : 'gauge';
    const entry = merged.get(key) ?? { type, labels: new Set<string>() };
    use.labels.forEach((l) => entry.labels.add(l));
    merged.set(key, entry);
  }
  return [...merged].map(([name, { type, labels }]) => ({
    name,
    type,
    unit: UNITS.find(([re]) => re.test(name))?.[1] ?? '1',
    services: [service],
    description: `Queried by ${file} (added by npm run catalog:add: describe it)`,
    ...labelsOf(labels),
    ...(type === 'histogram'
      ? buckets
        ? { buckets, bucketsSource: `given to npm run catalog:add --buckets for ${file}` }
        : { buckets: BUCKETS_PLACEHOLDER, bucketsSource: BUCKETS_SOURCE_PLACEHOLDER }
      : {}),
  }));
}

function labelsOf(seen: Set<string>): { labels?: Record<string, number> } {
  const own = [...seen].filter((l) => !NOT_OWN_LABELS.has(l) && !l.startsWith(PLACEHOLDER_PREFIX)).sort();
  return own.length > 0 ? { labels: Object.fromEntries(own.map((l) => [l, 1])) } : {};
}

/**
 * Appends `metrics` to catalog/metrics.yaml's `metrics:` list. The yaml
 * Document API finds the end of the list and builds the new entries; the text
 * before and after it is kept byte for byte (re-serializing the whole document
 * would restyle the flow collections prettier formats).
 */
export function appendToCatalog(catalogText: string, metrics: readonly NewMetric[]): string {
  const doc = parseDocument(catalogText);
  const list = doc.get('metrics', true);
  if (!isSeq(list) || list.flow || !list.range) {
    throw UserInputError.of({ file: CATALOG_FILE, where: 'metrics', problem: 'is not a block list', fix: 'restore the metrics: list' });
  }
  const added = new Document(metrics.map((m) => m));
  for (const node of (added.contents as YAMLSeq).items) {
    if (!isMap(node)) continue;
    for (const key of ['labels', 'services']) {
      const child = node.get(key, true);
      if (isMap(child) || isSeq(child)) child.flow = true;
    }
  }
  const entries = added
    .toString({ lineWidth: 0 })
    .trimEnd()
    .split('\n')
    // prettier's style: `{ a: 1 }` maps, `[a]` lists.
    .map((line) => `  ${line.replace(/: \[ (.*) \]$/, ': [$1]')}`)
    .join('\n');
  const at = list.range[1];
  const before = catalogText.slice(0, at).replace(/\n*$/, '\n');
  const comment = '  # Added by npm run catalog:add: check each unit, description and label count (1 is a guess).\n';
  return `${before}${comment}${entries}\n${catalogText.slice(at).replace(/^\n*/, '')}`;
}

/** Every service any environment monitors, and the collector. */
function knownServices(root: string): string[] {
  const text = fs.readFileSync(path.join(root, ENVIRONMENTS_FILE), 'utf8');
  const doc = parseYamlText(ENVIRONMENTS_FILE, text) as { environments?: Record<string, unknown> };
  const names = Object.keys(doc.environments ?? {});
  const services = new Set(names.flatMap((n) => parseEnvironment(n, text).services.map((s) => s.name)));
  return [...services, COLLECTOR_JOB];
}

/** The command: returns the exit code (1 when the input is wrong: the message says which and the fix). */
export function main(argv: string[] = process.argv.slice(2), root: string = projectRoot()): number {
  const { values, positionals } = parseCli('catalog:add', USAGE, {
    args: argv,
    allowPositionals: true,
    options: { service: { type: 'string' }, buckets: { type: 'string' } },
  });
  try {
    if (positionals.length !== 1) {
      throw UserInputError.of({
        file: 'catalog:add',
        where: 'arguments',
        problem: 'needs one dashboard file',
        value: positionals,
        fix: USAGE,
      });
    }
    const file = path.relative(root, path.resolve(root, positionals[0])).split(path.sep).join('/');
    if (!fs.existsSync(path.join(root, file))) {
      throw UserInputError.of({ file, where: 'file', problem: 'does not exist', fix: USAGE });
    }
    const services = knownServices(root);
    if (!values.service || !services.includes(values.service)) {
      throw UserInputError.of({
        file: 'catalog:add',
        where: '--service',
        problem: values.service ? 'is not a service of config/environments.yaml nor the collector' : 'is required',
        value: values.service,
        fix: `pass --service with the service that exports the dashboard's metrics: one of ${services.join(', ')}`,
      });
    }
    const buckets = values.buckets === undefined ? undefined : values.buckets.split(',').map((b) => Number(b.trim()));
    if (buckets && buckets.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= buckets[i - 1]))) {
      throw UserInputError.of({
        file: 'catalog:add',
        where: '--buckets',
        problem: 'is not a list of finite boundaries in increasing order',
        value: values.buckets,
        fix: 'pass the le values without +Inf, comma-separated, e.g. --buckets 0.1,0.5,1',
      });
    }
    const catalog = parseCatalog(CATALOG_FILE, fs.readFileSync(path.join(root, CATALOG_FILE), 'utf8'));
    let text: string;
    try {
      text = fs.readFileSync(path.join(root, file), 'utf8');
      JSON.parse(text);
    } catch (e) {
      throw UserInputError.of({
        file,
        where: 'JSON',
        problem: `does not parse: ${(e as Error).message}`,
        fix: 'export the dashboard again from Grafana',
      });
    }
    // Recording rules: a name with a colon is one by convention (rules are checked at synth).
    const added = metricsToAdd(file, text, (s) => catalog.resolve(s) !== undefined || s.includes(':'), values.service, buckets);
    if (added.length === 0) {
      console.log(`${file}: every metric it queries is in ${CATALOG_FILE} already.`);
      return 0;
    }
    const catalogPath = path.join(root, CATALOG_FILE);
    fs.writeFileSync(catalogPath, appendToCatalog(fs.readFileSync(catalogPath, 'utf8'), added));
    const pending = added.filter((m) => m.buckets === BUCKETS_PLACEHOLDER).map((m) => m.name);
    console.log(
      `${CATALOG_FILE}: added ${added.length} metric(s) queried by ${file}: ${added.map((m) => `${m.name} (${m.type})`).join(', ')}.` +
        (pending.length > 0
          ? `\nFill in buckets and bucketsSource of ${pending.join(', ')} (synth refuses the placeholder), or run again with --buckets.`
          : '') +
        '\nReview each unit, description and label count before you commit.',
    );
    return 0;
  } catch (e) {
    if (e instanceof UserInputError) {
      process.stderr.write(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

if (require.main === module) process.exitCode = main();
