/**
 * The collector configuration as YAML, and cut into fragments that each fit
 * an SSM parameter (the task reads them as --config=env: sources, which the
 * collector merges). The per-component limits here keep every component
 * small enough to fit a fragment on its own.
 */
import { toYaml } from '../yaml-text';

/** A collector configuration (or a part of one) as the YAML library serialises it. */
export type CollectorConfig = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Below this size the configuration is one SSM parameter (advanced tier holds
 * 8 KB; the margin is for the remote-write URL and region, resolved at deploy).
 */
const SINGLE_FRAGMENT_BYTES = 7000;

/**
 * What a deploy-time value (a CDK token in the text, e.g. the AMP endpoint)
 * counts for when fragments are sized: the same for every token, so where the
 * configuration is cut depends on the configuration alone, never on how many
 * tokens the app made before it (a token's placeholder, `${Token[TOKEN.123]}`,
 * grows with that count: a Grafana version change once moved the cut, and so
 * renamed the collector's parameters and restarted it). An AMP remote-write
 * URL is about 120 bytes.
 */
const TOKEN_BYTES = 160;
const TOKEN = /\$\{Token\[[^\]]+\]\}/g;
const bytesOf = (text: string) => Buffer.byteLength(text.replace(TOKEN, 'x'.repeat(TOKEN_BYTES)));

/** Catalog metrics per metricstransform processor (about 4 KB of YAML). */
export const TRANSFORMS_PER_PROCESSOR = 20;

/** Scrape jobs per prometheus receiver (under 4 KB of YAML with ecs relabelling). */
export const SCRAPE_JOBS_PER_RECEIVER = 12;

/** `prometheus`, then `prometheus/2`, `prometheus/3`...: one receiver per SCRAPE_JOBS_PER_RECEIVER services. */
export function scrapeReceiverNames(services: number): string[] {
  return Array.from({ length: Math.max(1, Math.ceil(services / SCRAPE_JOBS_PER_RECEIVER)) }, (_, i) =>
    i === 0 ? 'prometheus' : `prometheus/${i + 1}`,
  );
}

/**
 * The configuration as the collector reads it from several `--config=env:`
 * sources, which the collector merges itself, in order, maps deeply.
 * One fragment while it fits an SSM parameter (the platform's four services);
 * beyond that, everything but the scrape receivers, then one fragment per
 * scrape receiver: no two fragments set the same key, so no list is merged.
 * @see test/contracts/adot.ts CONFIG_RESOLUTION
 */
export function collectorConfigFragments(config: CollectorConfig, maxBytes = SINGLE_FRAGMENT_BYTES): string[] {
  // Each component is serialized once, alone; a block mapping's entries
  // serialize independently of their siblings, so a fragment's text is its
  // entries' texts under one header per section (test/contracts/adot.test.ts
  // parses every variant's fragments back, merged as ADOT merges them, and
  // compares with the configuration). Re-serializing every candidate
  // fragment was quadratic: 0.5 s per 200-service configuration.
  const service = collectorConfigYaml({ service: config.service as unknown });
  const parts: { section: string; text: string; bytes: number }[] = [];
  for (const section of ['extensions', 'receivers', 'processors', 'exporters'] as const) {
    const header = `${section}:\n`;
    for (const [name, value] of Object.entries((config[section] ?? {}) as Record<string, unknown>)) {
      const alone = collectorConfigYaml({ [section]: { [name]: value } });
      if (bytesOf(alone) > maxBytes)
        throw new Error(`collectorConfigFragments: ${section}.${name} alone is over ${maxBytes} bytes; split it`);
      const text = alone.slice(header.length);
      parts.push({ section, text, bytes: bytesOf(text) });
    }
  }
  const headerBytes = (section: string) => bytesOf(`${section}:\n`);
  const sections = [...new Set(parts.map((p) => p.section))];
  const wholeBytes = bytesOf(service) + sections.reduce((n, s) => n + headerBytes(s), 0) + parts.reduce((n, p) => n + p.bytes, 0);
  if (wholeBytes <= maxBytes) return [collectorConfigYaml(config)];
  // Greedy packing of whole components: the `service` section (with its
  // lists) stays in the first fragment; a component is never split.
  const fragments: { text: string; bytes: number; section?: string }[] = [{ text: service, bytes: bytesOf(service) }];
  for (const part of parts) {
    const last = fragments[fragments.length - 1];
    const same = last.section === part.section;
    const grown = last.bytes + part.bytes + (same ? 0 : headerBytes(part.section));
    if (grown <= maxBytes) {
      last.text += same ? part.text : `${part.section}:\n${part.text}`;
      last.bytes = grown;
      last.section = part.section;
    } else fragments.push({ text: `${part.section}:\n${part.text}`, bytes: headerBytes(part.section) + part.bytes, section: part.section });
  }
  return fragments.map((f) => f.text);
}

/** The configuration as YAML, as the collector reads it. */
export function collectorConfigYaml(config: CollectorConfig): string {
  return toYaml(config);
}
