/**
 * JSON over HTTP, signed with SigV4 for Amazon Managed Prometheus (service
 * "aps") when a region is given: verify, alerts:test and alerts:silence share it.
 * Requests go through lib/http/http-client.ts: a timeout on each attempt, and
 * GET and DELETE retried on 429, 5xx or no answer; a POST (an alert, a
 * silence) is sent once.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { RetryPolicy, sendHttp } from '../lib/http/http-client';

export type HttpMethod = 'GET' | 'POST' | 'DELETE';
export type Http = (method: HttpMethod, url: string, body?: unknown) => Promise<unknown>;

/** The region of an AMP workspace URL (https://aps-workspaces.<region>.amazonaws.com/...), if it is one. */
export function ampRegion(url: string): string | undefined {
  return /^aps-workspaces\.([a-z0-9-]+)\.amazonaws\.com$/.exec(new URL(url).hostname)?.[1];
}

/** `retry`: the GET/DELETE retry policy (lib/http/http-client.ts; its default: 5 attempts). */
export function httpClient(sigv4Region?: string, retry?: RetryPolicy): Http {
  const signer = sigv4Region
    ? new SignatureV4({ service: 'aps', region: sigv4Region, credentials: defaultProvider(), sha256: Sha256 })
    : undefined;
  return async (method, url, body) => {
    const u = new URL(url);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let headers: Record<string, string> = {
      accept: 'application/json',
      ...(payload !== undefined && { 'content-type': 'application/json' }),
    };
    if (signer) {
      const signed = await signer.sign({
        method,
        protocol: u.protocol,
        hostname: u.hostname,
        path: u.pathname,
        query: Object.fromEntries(u.searchParams),
        headers: { host: u.host, ...headers },
        body: payload,
      });
      headers = signed.headers;
    }
    const res = await sendHttp({ method, url, headers, body: payload, timeoutMs: 15_000, retry });
    const text = res.text;
    if (!res.ok) throw new Error(`${method} ${u.pathname}: ${res.status} ${text.slice(0, 200)}`);
    // AMP answers some calls with an empty body (e.g. CreateAlertManagerAlerts: Content-Length 0).
    return text.trim() === '' ? undefined : (JSON.parse(text) as unknown);
  };
}
