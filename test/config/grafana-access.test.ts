import { stringify } from 'yaml';
import { parseEnvironment } from '../../lib/config/parse-environment';
import { USER_ID_PATTERN } from '../contracts/amg-permissions';
import { IDENTITY_CENTER_ID } from '../../lib/config/environment-schema';
import { environmentOf, inputErrorOf, MINIMAL_AWS_ENVIRONMENT } from '../helpers';

const G1 = '9067c5b4d3-a1b2c3d4-0001-4000-8000-000000000001';
const G2 = 'a1b2c3d4-0002-4000-8000-000000000002';
const base = MINIMAL_AWS_ENVIRONMENT;
const load = (grafana: Record<string, unknown>, name = 'x') =>
  parseEnvironment(name, stringify({ environments: { [name]: { ...base, grafana } } }));

describe('grafana.access in config/environments.yaml', () => {
  test('the id format is the one the AMG API declares for User.id', () => {
    expect(IDENTITY_CENTER_ID.source).toBe(USER_ID_PATTERN.source);
  });

  test('groups and users per role, with defaults; ids with and without the identity store prefix', () => {
    const env = load({ authentication: 'AWS_SSO', access: { admin: { groups: [G1] }, viewer: { users: [G2] } } });
    expect(env.grafana.authentication === 'AWS_SSO' && env.grafana.access).toEqual({
      admin: { groups: [G1], users: [] },
      editor: { groups: [], users: [] },
      viewer: { groups: [], users: [G2] },
      exclusive: false,
      placeholders: false,
    });
  });

  test('prod names an admin group', () => {
    const env = environmentOf('prod');
    expect(env.grafana.authentication === 'AWS_SSO' && env.grafana.access?.admin.groups.length).toBeGreaterThan(0);
  });

  test('fails when an id is not an Identity Center id', () => {
    const msg = inputErrorOf(() => load({ authentication: 'AWS_SSO', access: { editor: { groups: ['oncall-team'] } } }));
    expect(msg).toBe(
      'config/environments.yaml: environments.x.grafana.access.editor.groups[0]: is invalid (got "oncall-team"). Fix: set it to an IAM Identity Center id like "9067c5b4d3-1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d" (Identity Center console, group or user details)',
    );
  });

  test('fails when a group is given two roles', () => {
    const msg = inputErrorOf(() => load({ authentication: 'AWS_SSO', access: { admin: { groups: [G1] }, viewer: { groups: [G2, G1] } } }));
    expect(msg).toBe(
      `config/environments.yaml: environments.x.grafana.access.viewer.groups[1]: is also given the admin role (got "${G1}"). Fix: remove it from one of the two, a group or user has one role on a workspace`,
    );
  });

  test('fails when prod has no Grafana admin', () => {
    const msg = inputErrorOf(() =>
      load({ authentication: 'AWS_SSO', networkAccess: 'public', access: { viewer: { groups: [G1] } } }, 'prod'),
    );
    expect(msg).toBe(
      'config/environments.yaml: environments.prod.grafana.access.admin: is empty: production needs at least one Grafana admin (got []). Fix: add an IAM Identity Center group id under grafana.access.admin.groups',
    );
    expect(inputErrorOf(() => load({ authentication: 'AWS_SSO', networkAccess: 'public' }, 'prod'))).toContain(
      'environments.prod.grafana.access.admin: is empty',
    );
  });

  test('fails when SAML is given access lists (SAML roles come from the assertion)', () => {
    const msg = inputErrorOf(() =>
      load({
        authentication: 'SAML',
        saml: { idpMetadataUrl: 'https://idp.example.com/m', adminRoleValues: ['ops'] },
        access: { admin: { groups: [G1] } },
      }),
    );
    expect(msg).toContain('environments.x.grafana: has unknown key(s) access');
  });

  test('fails when a SAML role value is both admin and editor', () => {
    const msg = inputErrorOf(() =>
      load({
        authentication: 'SAML',
        saml: { idpMetadataUrl: 'https://idp.example.com/m', adminRoleValues: ['ops'], editorRoleValues: ['dev', 'ops'] },
      }),
    );
    expect(msg).toBe(
      'config/environments.yaml: environments.x.grafana.saml.editorRoleValues[1]: is also an admin role value (got "ops"). Fix: remove it from one of adminRoleValues and editorRoleValues',
    );
  });
});
