/**
 * One HTTP request with a deadline, retried only when repeating it cannot do
 * harm: the importer Lambda (Grafana's HTTP API) and the day-two scripts
 * (Alertmanager's v2 API, AMP) send their requests through it.
 *
 * - Every attempt has a timeout: `fetch` with `AbortSignal.timeout` (MDN
 *   "AbortSignal: timeout() static method"; the Fetch Standard's "abort
 *   fetch" also errors a response body still being read, so `res.text()` is
 *   bounded too: Node's fetch is undici's implementation of it), so a
 *   blackholed connection costs `timeoutMs`, not the Lambda's whole budget
 *   (test/http/http-client.test.ts: an answer that never starts, and one
 *   whose body stops midway).
 * - Only idempotent methods are retried: GET, HEAD, PUT, DELETE, OPTIONS
 *   (RFC 9110 section 9.2.2 "Idempotent Methods"). A POST is sent once: if
 *   its answer is lost, sending it again may act twice (a second silence, a
 *   second folder, a duplicated alert).
 * - Retried answers: 429 and 5xx, and a request that failed before any
 *   answer (connection refused or reset, timeout). Other answers are final.
 * - Backoff: exponential with full jitter (the `exponential-backoff`
 *   package, as in AWS's "Exponential Backoff And Jitter"), capped.
 *
 * Node's fetch rather than a client library such as ky or got: both are
 * ESM-only (jest here loads CommonJS), and fetch + AbortSignal.timeout already
 * gives the timeout; the retry loop is the library's.
 */
import { backOff } from 'exponential-backoff';

export type HttpMethod = 'GET' | 'HEAD' | 'PUT' | 'DELETE' | 'OPTIONS' | 'POST' | 'PATCH';

/** RFC 9110 9.2.2: the methods whose repetition has the effect of one request. */
export const IDEMPOTENT_METHODS: ReadonlySet<HttpMethod> = new Set<HttpMethod>(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

export interface RetryPolicy {
  /** Attempts in all, the first included. @default 5 */
  readonly attempts?: number;
  /** Delay before the second attempt; doubles each time (full jitter: a random delay up to it). @default 500 */
  readonly baseDelayMs?: number;
  /** The longest delay between two attempts. @default 10000 */
  readonly maxDelayMs?: number;
}

export interface HttpRequest {
  readonly method: HttpMethod;
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Per attempt. @default 30000 */
  readonly timeoutMs?: number;
  readonly retry?: RetryPolicy;
  /** Called before each retry (for a log line). */
  readonly onRetry?: (info: { attempt: number; reason: string }) => void;
}

export interface HttpResponse {
  readonly status: number;
  readonly ok: boolean;
  readonly text: string;
}

/** A request that never got an answer (refused, reset, timed out), after its attempts. */
export class HttpRequestError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly attempts: number,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(`${method} ${new URL(url).pathname}: no answer after ${attempts} attempt${attempts === 1 ? '' : 's'} (${reason})`, { cause });
  }
}

/** An answer worth another attempt, carried through the backoff loop. */
class RetryableAnswer extends Error {
  constructor(readonly response: HttpResponse) {
    super(`answered ${response.status}`);
  }
}

const isRetryableStatus = (status: number): boolean => status === 429 || status >= 500;

/**
 * Sends the request; resolves with the last answer (whatever its status) or
 * rejects with HttpRequestError when no attempt got one.
 */
export async function sendHttp(request: HttpRequest): Promise<HttpResponse> {
  const idempotent = IDEMPOTENT_METHODS.has(request.method);
  const attempts = idempotent ? (request.retry?.attempts ?? 5) : 1;
  let tried = 0;
  try {
    return await backOff(
      async () => {
        tried++;
        const res = await fetch(request.url, {
          method: request.method,
          headers: request.headers,
          body: request.body,
          signal: AbortSignal.timeout(request.timeoutMs ?? 30_000),
        });
        const response = { status: res.status, ok: res.ok, text: await res.text() };
        if (isRetryableStatus(res.status)) throw new RetryableAnswer(response);
        return response;
      },
      {
        numOfAttempts: attempts,
        startingDelay: request.retry?.baseDelayMs ?? 500,
        timeMultiple: 2,
        maxDelay: request.retry?.maxDelayMs ?? 10_000,
        jitter: 'full',
        // Called after every failed attempt with the number made so far; the library retries while it is below numOfAttempts.
        retry: (e: unknown, made: number) => {
          if (made < attempts) request.onRetry?.({ attempt: made + 1, reason: e instanceof RetryableAnswer ? e.message : String(e) });
          return true;
        },
      },
    );
  } catch (e) {
    if (e instanceof RetryableAnswer) return e.response;
    throw new HttpRequestError(request.method, request.url, tried, e);
  }
}
