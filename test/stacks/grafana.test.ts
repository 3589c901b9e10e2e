import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { App } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { buildApp } from '../../lib/app';
import { cdkContext } from '../../lib/io/cdk-context';
import { SAML_ROLE_VALUE_KEYS } from '../contracts/amg-permissions';
import { LOG_GROUP_READS } from '../contracts/cloudwatch-logs';
import { NETWORK_ACCESS } from '../contracts/grafana';
import { resourcesOf, synth } from '../helpers';

const root = path.resolve(__dirname, '../..');

describe('Amazon Managed Grafana (prod)', () => {
  const { template, json } = synth('prod');

  test('creates the workspace: current account, IAM Identity Center, service-managed, three data sources, SNS', () => {
    template.hasResourceProperties('AWS::Grafana::Workspace', {
      Name: 'trading-observability-prod',
      AccountAccessType: 'CURRENT_ACCOUNT',
      AuthenticationProviders: ['AWS_SSO'],
      PermissionType: 'CUSTOMER_MANAGED',
      DataSources: ['PROMETHEUS', 'CLOUDWATCH', 'XRAY'],
      NotificationDestinations: ['SNS'],
      GrafanaVersion: '12.4',
      PluginAdminEnabled: false,
      RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^GrafanaRole'), 'Arn'] },
    });
    expect(json.Outputs.GrafanaUrl.Value).toEqual({
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [expect.stringMatching(/^Grafana/), 'Endpoint'] }]],
    });
  });

  test('the workspace role reads this AMP workspace only, CloudWatch and X-Ray, and writes nothing else', () => {
    const statements = resourcesOf(json, 'AWS::IAM::Policy')
      .filter(([id]) => id.startsWith('GrafanaRole'))
      .flatMap(([, p]) => p.PolicyDocument.Statement);
    const aps = statements.find((s: any) => [s.Action].flat().includes('aps:QueryMetrics'));
    expect(aps.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Prometheus/), 'Arn'] });
    const all = statements.flatMap((s: any) => [s.Action].flat());
    expect(all.filter((a: string) => a.startsWith('aps:')).sort()).toEqual([
      'aps:GetLabels',
      'aps:GetMetricMetadata',
      'aps:GetSeries',
      'aps:QueryMetrics',
    ]);
    const writes = all.filter((a: string) => /:(Put|Create|Delete|Update)/.test(a));
    expect(writes).toEqual([]);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'grafana.amazonaws.com' },
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }),
          }),
        ],
      },
    });
  });

  test('prod retains its Grafana workspace (hand-made dashboards, users, alert rules) and tells the importer so', () => {
    template.hasResource('AWS::Grafana::Workspace', { DeletionPolicy: 'RetainExceptOnCreate', UpdateReplacePolicy: 'Retain' });
    template.hasResourceProperties('Custom::GrafanaDashboards', { RetainOnDelete: 'true' });
    template.hasResourceProperties('Custom::GrafanaAccess', { RetainOnDelete: 'true' });
  });

  test("Grafana may read log events and run Logs Insights queries on this environment's log groups only", () => {
    // Any Grafana editor can query what the workspace role may read: on '*' that was every log group of the account.
    const statements = resourcesOf(json, 'AWS::IAM::Policy')
      .filter(([id]) => id.startsWith('GrafanaRole'))
      .flatMap(([, p]) => p.PolicyDocument.Statement);
    for (const action of LOG_GROUP_READS.actions) {
      const granting = statements.filter((s: any) => [s.Action].flat().includes(action));
      expect([action, granting.map((s: any) => s.Resource)]).toEqual([
        action,
        [
          {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':logs:',
                { Ref: 'AWS::Region' },
                ':',
                { Ref: 'AWS::AccountId' },
                ':log-group:/trading-observability/prod/*',
              ],
            ],
          },
        ],
      ]);
    }
  });

  test('imports dashboards/ through a custom resource whose properties hold no secret', () => {
    const [[, cr]] = resourcesOf(json, 'Custom::GrafanaDashboards');
    expect(Object.keys(cr).sort()).toEqual([
      'BundleBucket',
      'BundleKey',
      'DashboardUids',
      'Folders',
      'GrafanaUrl',
      'GrafanaVersion',
      'Marker',
      'Owner',
      'PrometheusUrl',
      'Region',
      'RetainOnDelete',
      'ServiceAccountName',
      'ServiceToken',
      'WorkspaceId',
      'XRay',
    ]);
    expect(cr.GrafanaVersion).toBe('12.4');
    expect(cr.XRay).toBe('false');
    expect(cr.Marker).toBe('managed-by:trading-observability-prod');
    expect(cr.BundleKey).toMatch(/^[0-9a-f]{64}\.json$/);
  });

  test('nothing in the template reads an attribute of the import but its counts (the run-time token never leaves the handler)', () => {
    // The service account token exists only at run time, inside the handler
    // (test/constructs/dashboard-import.test.ts: "create uses a service account
    // token, deletes it when done, and returns no secret"). What the template
    // could leak is a response attribute read with Fn::GetAtt: only the counts may be.
    const [[id]] = resourcesOf(json, 'Custom::GrafanaDashboards');
    const read = new Set<string>();
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        const getAtt = (v as Record<string, unknown>)['Fn::GetAtt'];
        if (Array.isArray(getAtt) && getAtt[0] === id) read.add(String(getAtt[1]));
        Object.values(v).forEach(walk);
      }
    };
    walk(json);
    expect([...read].filter((a) => !['Imported', 'Unchanged', 'Removed'].includes(a))).toEqual([]);
  });

  test('the importer may only manage service accounts of this workspace and read its bundle', () => {
    const statements = resourcesOf(json, 'AWS::IAM::Policy')
      .filter(([id]) => id.startsWith('DashboardsRole'))
      .flatMap(([, p]) => p.PolicyDocument.Statement);
    const grafanaStmt = statements.find((s: any) => [s.Action].flat().some((a: string) => a.startsWith('grafana:')));
    expect([grafanaStmt.Action].flat().sort()).toEqual([
      'grafana:CreateWorkspaceServiceAccount',
      'grafana:CreateWorkspaceServiceAccountToken',
      'grafana:DeleteWorkspaceServiceAccount',
      'grafana:DeleteWorkspaceServiceAccountToken',
      'grafana:ListWorkspaceServiceAccounts',
    ]);
    expect(JSON.stringify(grafanaStmt.Resource)).toContain(':/workspaces/');
    const s3 = statements.find((s: any) => [s.Action].flat().includes('s3:GetObject'));
    expect(JSON.stringify(s3.Resource)).toContain(`/${resourcesOf(json, 'Custom::GrafanaDashboards')[0][1].BundleKey}`);
    expect(resourcesOf(json, 'Custom::GrafanaDashboards').map(([id]) => id)).toEqual([expect.stringMatching(/^Dashboards/)]);
  });

  test('an unchanged dashboard set gives the same bundle key (no update on redeploy)', () => {
    // A second build of the app (not the cached synth): the bundle asset's hash is fixed when the tree is built.
    const app = new App({ context: cdkContext(root, { env: 'prod', 'aws:cdk:bundling-stacks': [] }) });
    const stack = buildApp(app);
    const bundles = stack.node
      .findAll()
      .filter((c): c is s3assets.Asset => c instanceof s3assets.Asset && c.node.path.includes('Dashboards/Bundle'));
    expect(bundles).toHaveLength(1);
    const key = resourcesOf(json, 'Custom::GrafanaDashboards')[0][1].BundleKey as string;
    expect(key).toBe(`${bundles[0].assetHash}.json`);
  });
});

describe('who may reach the Grafana workspace (grafana.networkAccess)', () => {
  test("prod's choice is explicit in config/environments.yaml", () => {
    const prod = parse(fs.readFileSync(path.join(root, 'config/environments.yaml'), 'utf8')).environments.prod.grafana;
    expect(prod.networkAccess).toBeDefined();
  });

  test('restricted: only the listed prefix lists and VPC endpoints, plus the importer, which reaches it through its own endpoint', () => {
    const { template, json } = synth('prod', (e) => ({
      ...e,
      grafana: { ...e.grafana, networkAccess: { prefixListIds: ['pl-0123abcd'], vpceIds: ['vpce-0123456789abcdef0'] } },
    }));
    const [[endpointId]] = resourcesOf(json, 'AWS::EC2::VPCEndpoint').filter(([, p]) =>
      JSON.stringify(p.ServiceName).includes(NETWORK_ACCESS.endpointService),
    );
    template.hasResourceProperties('AWS::Grafana::Workspace', {
      NetworkAccessControl: { PrefixListIds: ['pl-0123abcd'], VpceIds: ['vpce-0123456789abcdef0', { Ref: endpointId }] },
    });
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Interface', PrivateDnsEnabled: true });
    const importer = resourcesOf(json, 'AWS::Lambda::Function').find(
      ([, p]) => p.Description === 'Imports dashboards/ into Amazon Managed Grafana',
    );
    expect(importer?.[1].VpcConfig?.SubnetIds).toBeDefined();
  });

  test('public: no NetworkAccessControl (AMG then allows every address; Grafana sign-in is still required)', () => {
    const { json } = synth('prod', (e) => ({ ...e, grafana: { ...e.grafana, networkAccess: 'public' } }));
    expect(resourcesOf(json, 'AWS::Grafana::Workspace')[0][1].NetworkAccessControl).toBeUndefined();
  });
});

test('SAML authentication comes from the environment', () => {
  const { template, json } = synth('staging', (e) => ({
    ...e,
    grafana: {
      authentication: 'SAML',
      pluginAdminEnabled: true,
      version: '12.4',
      xray: false,
      saml: {
        idpMetadataUrl: 'https://idp.example.com/metadata',
        roleAttribute: 'groups',
        adminRoleValues: ['sre'],
        editorRoleValues: ['dev'],
      },
    },
  }));
  template.hasResourceProperties('AWS::Grafana::Workspace', {
    AuthenticationProviders: ['SAML'],
    PluginAdminEnabled: true,
    SamlConfiguration: {
      IdpMetadata: { Url: 'https://idp.example.com/metadata' },
      AssertionAttributes: { Role: 'groups' },
      RoleValues: { Admin: ['sre'], Editor: ['dev'] },
    },
  });
  // RoleValues takes only the keys AMG defines (everyone else in the assertion is a Viewer).
  const [[, workspace]] = resourcesOf(json, 'AWS::Grafana::Workspace');
  expect(Object.keys(workspace.SamlConfiguration.RoleValues).every((k) => (SAML_ROLE_VALUE_KEYS as readonly string[]).includes(k))).toBe(
    true,
  );
});

test('the environment chooses the Grafana version and X-Ray; X-Ray needs plugin management', () => {
  const { template, json } = synth('staging', (e) => ({
    ...e,
    grafana: { authentication: 'AWS_SSO', pluginAdminEnabled: true, version: '10.4', xray: true },
  }));
  template.hasResourceProperties('AWS::Grafana::Workspace', { GrafanaVersion: '10.4', PluginAdminEnabled: true });
  const [[, cr]] = resourcesOf(json, 'Custom::GrafanaDashboards');
  expect(cr).toMatchObject({ GrafanaVersion: '10.4', XRay: 'true' });
});
