import { parse } from 'yaml';
import { CONFIG_RESOLUTION, mergeConfigs, resolvedConfigUris } from '../contracts/adot';
import { resolveJoin, resourcesOf } from '../helpers';

/**
 * The collector's configuration in a template, as ADOT resolves and merges the task's --config sources: each
 * OTEL_CONFIG_PART_n secret's SSM parameter value, in the order of the command's flags.
 */
export function collectorConfigOf(json: Record<string, any>): any {
  const [[, task]] = resourcesOf(json, 'AWS::ECS::TaskDefinition').filter(([id]) => id.startsWith('CollectorTask'));
  const container = task.ContainerDefinitions[0];
  const params = Object.fromEntries(resourcesOf(json, 'AWS::SSM::Parameter').map(([id, p]) => [id, resolveJoin(p.Value)]));
  // Each secret's ValueFrom names its parameter (by logical id inside the Join).
  const env: Record<string, string> = Object.fromEntries(
    container.Secrets.filter((s: any) => s.Name.startsWith('OTEL_CONFIG_PART_')).map((s: any) => {
      const id = JSON.stringify(s.ValueFrom).match(/"Ref":"(CollectorConfig\d*[A-F0-9]{8})"/)![1];
      return [s.Name, params[id]];
    }),
  );
  expect(Object.keys(env)).not.toContain('AOT_CONFIG_CONTENT');
  const uris = resolvedConfigUris(env, container.Command);
  expect(uris).toHaveLength(Object.keys(env).length);
  // Each source names a provider ADOT registers: any other scheme stops the collector at start.
  expect(uris.filter((u) => !(CONFIG_RESOLUTION.schemes as readonly string[]).includes(u.split(':')[0]))).toEqual([]);
  return uris.reduce<any>((acc, uri) => mergeConfigs(acc, parse(env[uri.slice('env:'.length)])), {});
}
