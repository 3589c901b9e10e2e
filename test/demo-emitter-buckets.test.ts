import { leValue } from '../lib/model/metric-catalog';
import { startEmitter } from '../scripts/demo-emitter';
import { pollUntil } from '../scripts/poll-until';
import { modelOf } from './helpers';

const catalog = modelOf().catalog;

describe('the demo emitter', () => {
  test.each([
    ['backend', 'http_server_request_duration_seconds'],
    ['signal-generator', 'kafka_publish_duration_seconds'],
  ])('as %s, emits exactly the bucket boundaries the catalog declares for %s', async (service, histogram) => {
    process.env.EMITTER_HOST = '127.0.0.1';
    const port = 19_000 + Math.floor(Math.random() * 1000);
    const emitter = startEmitter(service, port, 60_000);
    try {
      // The first tick runs at start; the exporter answers once it listens.
      const text = await pollUntil(
        `${histogram} on the emitter's /metrics (port ${port})`,
        async () => {
          const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
          return body.includes(`${histogram}_bucket{`) ? body : undefined;
        },
        10_000,
        { everyMs: 20 },
      );
      const les = new Set([...text.matchAll(new RegExp(`^${histogram}_bucket\\{[^}]*le="([^"]+)"`, 'gm'))].map((m) => m[1]));
      expect([...les]).toEqual([...catalog.get(histogram)!.buckets!.map(leValue), '+Inf']);
    } finally {
      await emitter.stop();
    }
  });
});
