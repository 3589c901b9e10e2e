/**
 * `npm run cost -- -c env=prod [--json]`: a monthly cost estimate of an
 * environment from the model and config/prices.yaml, every assumption printed,
 * and the metrics over the cardinality budget.
 */
import { loadEnvironment, projectRoot } from '../lib/config/load-environment';
import { estimateCost, formatEstimate, loadMeasuredQuerySamples, loadPrices } from '../lib/cost/estimate';
import { UserInputError } from '../lib/errors';
import { loadCatalog } from '../lib/model/metric-catalog';

const args = process.argv.slice(2);
const ctx = args.flatMap((a, i) => (a === '-c' || a === '--context' ? [args[i + 1]] : a.startsWith('env=') ? [a] : []));
const env = ctx.find((c) => c.startsWith('env='))?.slice(4) ?? 'dev';
try {
  const root = projectRoot();
  const estimate = estimateCost(loadEnvironment(env, { root }), loadCatalog(root), loadPrices(root), loadMeasuredQuerySamples(root));
  console.log(args.includes('--json') ? JSON.stringify(estimate, null, 2) : formatEstimate(estimate));
} catch (e) {
  if (e instanceof UserInputError) {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  }
  throw e;
}
