import { stringify } from 'yaml';
import { parseEnvironment } from '../../lib/config/parse-environment';
import { environmentOf, MINIMAL_AWS_ENVIRONMENT } from '../helpers';
import { AWS_AUTH_TYPE, prometheusType, XRAY_PLUGIN_ID } from '../../lib/constructs/dashboard-import/handler';
import { GRAFANA_UID_MAX_LENGTH, GRAFANA_UID_PATTERN } from '../../lib/model/grafana-names';
import { AMG, AWS_AUTH, READ_ON, UIDS } from './grafana';

describe(`our code against the Grafana / AMG contract (test/contracts/grafana.ts, read ${READ_ON})`, () => {
  test('every AWS data source uses the auth type grafana-aws-sdk accepts for the workspace role', () => {
    expect(AWS_AUTH.accepted).toContain(AWS_AUTH_TYPE);
    expect(AWS_AUTH_TYPE).toBe(AWS_AUTH.workspaceIamRole);
    expect(AWS_AUTH.accepted).not.toContain(AWS_AUTH.refusedExample);
  });

  test('AMP is queried through the AMP plugin from AMG 12 on, through core Prometheus before', () => {
    expect(prometheusType(`${AMG.ampPluginFromMajor}.4`)).toBe(AMG.ampPluginType);
    expect(prometheusType('13.0')).toBe(AMG.ampPluginType);
    expect(prometheusType('10.4')).toBe('prometheus');
    expect(XRAY_PLUGIN_ID).toBe(AMG.xrayPluginId);
  });

  test('the default Grafana version is the newest confirmed one, in every AWS environment', () => {
    for (const env of ['dev', 'staging', 'prod']) expect(environmentOf(env).grafana.version).toBe(AMG.newestConfirmedVersion);
    expect(AMG.knownVersions).toContain(AMG.newestConfirmedVersion);
  });

  test('an environment may name a version of every Grafana major AMG offers, and of no other', () => {
    const accepts = (version: string) => {
      const text = stringify({ environments: { x: { ...MINIMAL_AWS_ENVIRONMENT, grafana: { authentication: 'AWS_SSO', version } } } });
      try {
        return parseEnvironment('x', text).grafana.version === version;
      } catch {
        return false;
      }
    };
    for (let major = 8; major <= 14; major++)
      expect([major, accepts(`${major}.4`)]).toEqual([major, (AMG.majors as readonly number[]).includes(major)]);
    for (const v of AMG.knownVersions) expect([v, accepts(v)]).toEqual([v, true]);
  });

  test('the linter applies Grafana’s uid rules', () => {
    expect(GRAFANA_UID_MAX_LENGTH).toBe(UIDS.maxLength);
    for (const uid of ['abc', 'A-b_9', 'e008bc3f-81a2-40f9-baf2-a33fd8dec7ec', 'a b', 'a.b', 'ü'])
      expect(GRAFANA_UID_PATTERN.test(uid)).toBe(UIDS.pattern.test(uid));
  });
});
