/**
 * Where the real tools built by `bash tools/build.sh` live: Prometheus and
 * promtool, Alertmanager and amtool at the versions the local stack pins,
 * Jaeger v2, the collector with ADOT's component set (otelcol-adot) and
 * cfn-lint. The folder is a cache outside the repository: `TOOLS_CACHE` when
 * set, else `$XDG_CACHE_HOME` (or ~/.cache)/trading-observability/tools, the
 * same rule as tools/build.sh.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const REAL_TOOLS = ['prometheus', 'promtool', 'alertmanager', 'amtool', 'jaeger', 'otelcol-adot', 'cfn-lint'] as const;
export type RealTool = (typeof REAL_TOOLS)[number];

export function realToolsBin(env: NodeJS.ProcessEnv = process.env): string {
  const cache = env.TOOLS_CACHE ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'trading-observability', 'tools');
  return path.join(cache, 'bin');
}

/** The absolute path of one built tool; a one-line error naming the fix when it is not built. */
export function realTool(name: RealTool, env: NodeJS.ProcessEnv = process.env): string {
  const p = path.join(realToolsBin(env), name);
  if (!fs.existsSync(p))
    throw new Error(
      `${name} is not built in ${realToolsBin(env)}: run \`bash tools/build.sh\` (it builds the real tools from their pinned modules)`,
    );
  return p;
}
