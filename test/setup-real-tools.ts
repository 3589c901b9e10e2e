/**
 * Runs before every file of `npm run test:tools` (jest.tools.config.js): the
 * tools built by `bash tools/build.sh` come first on PATH, so `promtool`,
 * `amtool`, `prometheus` and `alertmanager` are the pinned builds (Prometheus
 * 3.14.0, Alertmanager 0.34.0), never a distribution's older package. A tool
 * that is missing fails here, naming the command that builds it.
 */
import * as path from 'path';
import { REAL_TOOLS, realTool, realToolsBin } from '../scripts/real-tools';

for (const t of REAL_TOOLS) realTool(t);
process.env.PATH = [realToolsBin(), ...(process.env.PATH ?? '').split(path.delimiter)].join(path.delimiter);
