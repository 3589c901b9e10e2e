import * as path from 'path';
import { leValue, loadCatalog } from '../lib/model/metric-catalog';
import { startEmitter } from '../scripts/demo-emitter';

const catalog = loadCatalog(path.resolve(__dirname, '..'));

describe('the demo emitter', () => {
  test.each([
    ['backend', 'http_server_request_duration_seconds'],
    ['signal-generator', 'kafka_publish_duration_seconds'],
  ])('as %s, emits exactly the bucket boundaries the catalog declares for %s', async (service, histogram) => {
    process.env.EMITTER_HOST = '127.0.0.1';
    const port = 19_000 + Math.floor(Math.random() * 1000);
    const emitter = startEmitter(service, port, 60_000);
    try {
      await new Promise((r) => setTimeout(r, 300));
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const les = new Set([...text.matchAll(new RegExp(`^${histogram}_bucket\\{[^}]*le="([^"]+)"`, 'gm'))].map((m) => m[1]));
      expect([...les]).toEqual([...catalog.get(histogram)!.buckets!.map(leValue), '+Inf']);
    } finally {
      await emitter.stop();
    }
  });
});
