/**
 * `npm run cost -- -c env=prod [--json]`: a monthly cost estimate of an
 * environment from the model and config/prices.yaml, every assumption printed,
 * and the metrics over the cardinality budget.
 */
import { loadEnvironment, projectRoot } from '../lib/config/load-environment';
import { estimateCost, formatEstimate, loadMeasuredQuerySamples } from '../lib/cost/estimate';
import { loadPrices } from '../lib/model/prices';
import { UserInputError } from '../lib/errors';
import { loadCatalog } from '../lib/model/metric-catalog';
import { parseCli } from './cli-args';

// `-c env=NAME` as for cdk; a bare `env=NAME` too.
const { values, positionals } = parseCli('cost', 'usage: npm run cost -- -c env=local|dev|staging|prod [--json]', {
  allowPositionals: true,
  options: { context: { type: 'string', short: 'c', multiple: true }, json: { type: 'boolean', default: false } },
});
const env = [...(values.context ?? []), ...positionals].find((c) => c.startsWith('env='))?.slice(4) ?? 'dev';
try {
  const root = projectRoot();
  const estimate = estimateCost(loadEnvironment(env, { root }), loadCatalog(root), loadPrices(root), loadMeasuredQuerySamples(root));
  console.log(values.json ? JSON.stringify(estimate, null, 2) : formatEstimate(estimate));
} catch (e) {
  if (e instanceof UserInputError) {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  }
  throw e;
}
