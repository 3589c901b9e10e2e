/**
 * The Alertmanager v2 API calls day-two operations use, against a local
 * Alertmanager (http://127.0.0.1:9093) or AMP's alert manager
 * (https://aps-workspaces.<region>.amazonaws.com/workspaces/<ws-id>/alertmanager,
 * signed with SigV4). Paths are the same on both:
 * - POST /api/v2/alerts, GET/POST /api/v2/silences, DELETE /api/v2/silence/{id}:
 *   prometheus/alertmanager api/v2/openapi.yaml (postAlerts, getSilences,
 *   postSilences, deleteSilence).
 * - AMP: "CreateAlertManagerAlerts" POST /workspaces/{workspaceId}/alertmanager/api/v2/alerts,
 *   "ListAlertManagerSilences" GET .../alertmanager/api/v2/silences,
 *   "PutAlertManagerSilences" POST .../alertmanager/api/v2/silences (answers {"silenceID": ...}),
 *   "DeleteAlertManagerSilence" DELETE .../alertmanager/api/v2/silence/{silenceID}:
 *   https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-APIReference-CreateAlertManagerAlerts.html,
 *   AMP-APIReference-ListAlertManagerSilences.html, AMP-APIReference-PutAlertManagerSilences.html,
 *   AMP-APIReference-DeleteSilence.html.
 */
import { ampRegion, Http, httpClient } from './aws-http';

/**
 * A matcher of the v2 API (openapi.yaml `matcher`: isEqual defaults to true;
 * false negates; test/e2e/day-two.test.ts shows Alertmanager 0.34.0 (the local
 * image's version) honouring it). AMP's PutAlertManagerSilences lists `isEqual` in its silence
 * format; that AMP honours `false` is UNCONFIRMED (not runnable here).
 */
export interface ApiMatcher {
  readonly name: string;
  readonly value: string;
  readonly isRegex: boolean;
  readonly isEqual: boolean;
}

export interface PostableAlert {
  readonly labels: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly startsAt?: string;
  readonly endsAt?: string;
  readonly generatorURL?: string;
}

export interface PostableSilence {
  readonly matchers: readonly ApiMatcher[];
  readonly startsAt: string;
  readonly endsAt: string;
  readonly createdBy: string;
  readonly comment: string;
}

export interface GettableSilence extends PostableSilence {
  readonly id: string;
  readonly status: { readonly state: 'expired' | 'active' | 'pending' };
  readonly updatedAt: string;
}

export class AlertmanagerApi {
  readonly base: string;
  private readonly http: Http;

  /** `sigv4Region` defaults to the region of an AMP URL; other URLs are not signed. */
  constructor(baseUrl: string, sigv4Region: string | undefined = ampRegion(baseUrl)) {
    this.base = baseUrl.replace(/\/$/, '');
    this.http = httpClient(sigv4Region);
  }

  /** Whether requests are signed for AMP. */
  static isAmp(baseUrl: string): boolean {
    return ampRegion(baseUrl) !== undefined;
  }

  async postAlerts(alerts: readonly PostableAlert[]): Promise<void> {
    await this.http('POST', `${this.base}/api/v2/alerts`, alerts);
  }

  async listSilences(): Promise<GettableSilence[]> {
    return ((await this.http('GET', `${this.base}/api/v2/silences`)) as GettableSilence[] | undefined) ?? [];
  }

  async createSilence(silence: PostableSilence): Promise<string> {
    const r = (await this.http('POST', `${this.base}/api/v2/silences`, silence)) as { silenceID: string };
    return r.silenceID;
  }

  /** Expires a silence (the API's "delete": the silence stays listed as expired). */
  async expireSilence(id: string): Promise<void> {
    await this.http('DELETE', `${this.base}/api/v2/silence/${encodeURIComponent(id)}`);
  }
}
