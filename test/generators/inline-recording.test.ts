import { inlineRecordingRules } from './inline-recording';

const rules = new Map([
  ['job:x:rate5m', 'sum by (job) (rate(x_total[5m]))'],
  ['job:y:ratio_rate5m', 'job:x:rate5m / 2'],
]);

describe('inlineRecordingRules: the raw query a panel reading recorded series stands for', () => {
  test('replaces each recorded name by its rule, recursively, and leaves raw series alone', () => {
    expect(inlineRecordingRules('sum(job:x:rate5m) + max(job:y:ratio_rate5m) - max(up)', rules)).toBe(
      'sum((sum by (job) (rate(x_total[5m])))) + max(((sum by (job) (rate(x_total[5m]))) / 2)) - max(up)',
    );
    expect(inlineRecordingRules('max(system_active_users)', rules)).toBe('max(system_active_users)');
  });

  test('fails when a recorded series is read with matchers or a range (an inlined expression would mean something else)', () => {
    expect(() => inlineRecordingRules('sum(job:x:rate5m{job="a"})', rules)).toThrow(
      /job:x:rate5m is read with matchers, a range or an offset/,
    );
    expect(() => inlineRecordingRules('max_over_time(job:x:rate5m[1h])', rules)).toThrow(/only a bare recorded name can be inlined/);
  });
});
