import { EnvironmentConfig } from './config/environment-schema';

/**
 * The one helper for physical names: `<app>-<env>-<component>`, so several
 * environments can share an account and region without colliding.
 */
export class Naming {
  constructor(
    readonly app: string,
    readonly env: string,
  ) {}

  static of(environment: Pick<EnvironmentConfig, 'app' | 'name'>): Naming {
    return new Naming(environment.app, environment.name);
  }

  /** `<app>-<env>`, e.g. trading-observability-prod. */
  get prefix(): string {
    return `${this.app}-${this.env}`;
  }

  /** `<app>-<env>-<component>`, e.g. trading-observability-prod-critical. */
  name(component: string): string {
    return `${this.prefix}-${component}`;
  }

  /** A path-style name: `/<app>/<env>/<component>` (log groups, SSM parameters). */
  path(...parts: string[]): string {
    return ['', this.app, this.env, ...parts].join('/');
  }
}
