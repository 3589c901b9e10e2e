/**
 * Polls `f` every `everyMs` until it returns a value (a throw counts as "not
 * yet"); on timeout, fails naming what was awaited, the last error, and
 * `context()` (the harness's process output). Shared by the native harness
 * (scripts/bench/native-stack.ts) and the day-two end-to-end test.
 */
export async function pollUntil<T>(
  what: string,
  f: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  options: { readonly everyMs?: number; readonly context?: () => string } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await f();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, options.everyMs ?? 1000));
  }
  throw new Error(`timed out waiting for ${what} (${String(last ?? '')})\n${options.context?.() ?? ''}`);
}
