import { HttpRequestError, HttpResponse, RetryPolicy, sendHttp } from '../../../http/http-client';

/** An answer from Grafana that fails the deployment: the message names the file and quotes Grafana. */
export class GrafanaError extends Error {
  constructor(
    readonly status: number,
    what: string,
    grafanaMessage: string,
  ) {
    super(`${what}: Grafana answered ${status}: ${grafanaMessage}`);
  }
}

export type GrafanaMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** What the reconciler needs of Grafana: one JSON request at a time (GrafanaApi, or a stub in a test). */
export interface GrafanaRequests {
  /** Returns the parsed body, or undefined for a 404 when `allow404`; throws GrafanaError for any other failure. */
  request<T>(method: GrafanaMethod, path: string, what: string, body?: unknown, allow404?: boolean): Promise<T | undefined>;
}

/**
 * Grafana's HTTP API: JSON in and out, with the token as a bearer. Every
 * request has a timeout; GET, PUT and DELETE answered 429 or 5xx (or not
 * answered) are retried with backoff, a POST never (lib/http/http-client.ts).
 * Grafana's POST routes create (folders, data sources, plugin installs) or
 * save a new dashboard version (`/api/dashboards/db`): sent twice, they can
 * act twice, so a failed POST fails the deployment with Grafana's answer.
 */
export class GrafanaApi implements GrafanaRequests {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    private readonly options: { retry?: RetryPolicy; timeoutMs?: number } = {
      retry: { attempts: 5, baseDelayMs: Number(process.env.GRAFANA_RETRY_BASE_MS ?? 500) },
      timeoutMs: 30_000,
    },
  ) {}

  /** Returns the parsed body, or undefined for a 404 when `allow404`. */
  async request<T>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    what: string,
    body?: unknown,
    allow404 = false,
  ): Promise<T | undefined> {
    let res: HttpResponse;
    try {
      res = await sendHttp({
        method,
        url: `${this.baseUrl.replace(/\/$/, '')}${path}`,
        headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json', accept: 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        timeoutMs: this.options.timeoutMs,
        retry: this.options.retry,
        onRetry: ({ attempt, reason }) => console.log(JSON.stringify({ level: 'warn', msg: 'grafana retry', what, attempt, reason })),
      });
    } catch (e) {
      // No answer at all (refused, reset, timed out): name what was being done, like a Grafana error.
      if (e instanceof HttpRequestError) throw new Error(`${what}: ${e.message}`, { cause: e });
      throw e;
    }
    if (res.ok) return (res.text ? JSON.parse(res.text) : undefined) as T;
    if (res.status === 404 && allow404) return undefined;
    throw new GrafanaError(res.status, what, messageOf(res.text));
  }
}

function messageOf(text: string): string {
  try {
    const j = JSON.parse(text) as { message?: string; status?: string };
    return [j.message, j.status].filter(Boolean).join(' ') || text.slice(0, 300);
  } catch {
    return text.slice(0, 300);
  }
}
