import { EnvironmentConfig } from './environment-schema';

/** Whether the environment deploys to AWS (`target: aws`); a local one deploys nothing and renders the local bundle. */
export function deploysToAws(environment: Pick<EnvironmentConfig, 'target'>): boolean {
  return environment.target === 'aws';
}

/** Whether the environment keeps its data (keys, workspace, log groups) when its stack is deleted: `prod` only. */
export function retainsData(environment: Pick<EnvironmentConfig, 'name'>): boolean {
  return environment.name === 'prod';
}
