/**
 * globalSetup of `npm run test:tools` (jest.tools.config.js): the run's
 * temporary folder (./global-setup.js), then the tools built by
 * `bash tools/build.sh` first on PATH, so `promtool`, `amtool`,
 * `prometheus`, `alertmanager` and every child process a test starts find the
 * pinned builds (Prometheus 3.14.0, Alertmanager 0.34.0), never a
 * distribution's older package. It runs in jest's own process, before any
 * test: a setupFiles entry would change only the test context's copy of
 * process.env, which child processes do not inherit. A tool that is missing
 * fails here, naming the command that builds it.
 */
import * as path from 'path';
import { REAL_TOOLS, realTool, realToolsBin } from '../scripts/real-tools';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const baseSetup = require('./global-setup.js') as () => void;

export default function globalSetupTools(): void {
  baseSetup();
  for (const t of REAL_TOOLS) realTool(t);
  process.env.PATH = [realToolsBin(), ...(process.env.PATH ?? '').split(path.delimiter)].join(path.delimiter);
}
