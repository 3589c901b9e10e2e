/**
 * `npm run cost -- -c env=prod [--json]`: a monthly cost estimate of an
 * environment from the model and config/prices.yaml, every assumption printed,
 * and the metrics over the cardinality budget.
 */
import { compile } from '../lib/compile/compile';
import { readProject } from '../lib/io/read-project';
import { estimateCost, formatEstimate, loadMeasuredQuerySamples } from './cost/estimate';
import { UserInputError } from '../lib/errors';
import { parseCli } from './cli-args';

/** The command: prints the estimate and returns the exit code (1 when the input is wrong: the message says which and the fix). */
export function main(argv: string[] = process.argv.slice(2)): number {
  // `-c env=NAME` as for cdk; a bare `env=NAME` too.
  const { values, positionals } = parseCli('cost', 'usage: npm run cost -- -c env=local|dev|staging|prod [--json]', {
    args: argv,
    allowPositionals: true,
    options: { context: { type: 'string', short: 'c', multiple: true }, json: { type: 'boolean', default: false } },
  });
  const env = [...(values.context ?? []), ...positionals].find((c) => c.startsWith('env='))?.slice(4) ?? 'dev';
  try {
    const files = readProject();
    const model = compile(files, env);
    const estimate = estimateCost(model.environment, model.catalog, model.prices, loadMeasuredQuerySamples(files));
    console.log(values.json ? JSON.stringify(estimate, null, 2) : formatEstimate(estimate));
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
