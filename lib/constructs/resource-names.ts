import { Names } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Physical names of what a construct creates, when the app wants to choose
 * them (e.g. `<app>-<env>-<component>` so several environments share an
 * account and region). Without it, each construct leaves the names to
 * CloudFormation, or, where a name is required, derives a unique one from its
 * construct path. As aws-cdk's L2s do (sns.Topic `topicName`, logs.LogGroup
 * `logGroupName`: optional, generated when absent), and per
 * aws/aws-cdk@02e448394dad45da34dce89ab4bf86ff70d369e6:docs/DESIGN_GUIDELINES.md
 * "Defaults" ("A prop should be required only if there is no possible
 * sensible default value that can be provided or calculated"); its "Physical
 * Names" section is a TODO there.
 *
 * The app's `Naming` (lib/naming.ts) implements it; `resourceNames` makes one
 * from a prefix.
 */
export interface ResourceNames {
  /** The prefix of every name, e.g. `trading-observability-prod`. */
  readonly prefix: string;
  /** A dash-separated name, e.g. `trading-observability-prod-critical` for `critical`. */
  name(component: string): string;
  /** A path-style name (log groups, SSM parameters), e.g. `/trading-observability/prod/amp`. */
  path(...parts: string[]): string;
}

/** Names under one prefix: `name(c)` is `<prefix>-<c>`, `path(...p)` is `/<prefix>/<p...>`. */
export function resourceNames(prefix: string): ResourceNames {
  return {
    prefix,
    name: (component) => `${prefix}-${component}`,
    path: (...parts) => ['', prefix, ...parts].join('/'),
  };
}

/**
 * A name for `scope` that is unique in its stack, for a resource whose name
 * CloudFormation requires: the given names' prefix, or one derived from the
 * construct path (letters, digits and dashes).
 */
export function requiredName(scope: IConstruct, names: ResourceNames | undefined, maxLength = 64): string {
  return names?.prefix ?? Names.uniqueResourceName(scope, { maxLength, separator: '-' });
}
