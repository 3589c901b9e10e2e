import { COLLECTOR_METRICS } from '../contracts/otelcol';
import { compile } from '../../lib/compile/compile';
import { baseFiles } from '../helpers';

const model = compile(baseFiles, 'local');

describe("the catalog's otelcol_* metrics are what the pinned collector records (test/contracts/otelcol.ts)", () => {
  const catalogued = model.catalog.metrics.filter((m) => m.name.startsWith('otelcol_'));

  test('every catalogued collector metric is in the contract, with its type, label names and presence', () => {
    for (const m of catalogued) {
      const fact = COLLECTOR_METRICS.find((f) => f.name === m.name);
      expect({ name: m.name, known: fact !== undefined }).toEqual({ name: m.name, known: true });
      expect({ name: m.name, type: m.type, labels: Object.keys(m.labels).sort(), presence: m.presence }).toEqual({
        name: m.name,
        type: fact!.type,
        labels: [...fact!.labels].sort(),
        presence: fact!.presence,
      });
    }
    expect(catalogued.length).toBe(COLLECTOR_METRICS.length);
  });

  test('dashboard queries of metrics absent while healthy fall back to 0 (or vector(0))', () => {
    const afterFailure = COLLECTOR_METRICS.filter((f) => f.presence === 'after-failure').map((f) => f.name);
    const queries = model.dashboards.flatMap((d) => d.panels.flatMap((p) => p.queries.map((q) => ({ title: p.title, q }))));
    const reading = queries.filter(({ q }) => afterFailure.some((n) => q.includes(n)));
    expect(reading.length).toBeGreaterThan(0);
    for (const { title, q } of reading) expect({ title, fallback: /\bor\s+vector\(0\)\s*$/.test(q) }).toEqual({ title, fallback: true });
  });
});
