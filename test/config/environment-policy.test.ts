import { deploysToAws, retainsData } from '../../lib/config/environment-policy';

describe('environment policy', () => {
  test('only prod retains its data on stack deletion', () => {
    expect(['local', 'dev', 'staging', 'prod'].filter((name) => retainsData({ name }))).toEqual(['prod']);
  });

  test('only an aws target deploys to AWS', () => {
    expect(deploysToAws({ target: 'aws' })).toBe(true);
    expect(deploysToAws({ target: 'local' })).toBe(false);
  });
});
