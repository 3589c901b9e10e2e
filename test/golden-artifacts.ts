import * as fs from 'fs';
import * as path from 'path';
import { renderLocalBundle } from '../lib/render/local-bundle';
import { maskVolatile, modelOf, synth } from './helpers';

/**
 * The rendered artifacts of one environment, as golden file path (relative to
 * test/golden/<env>/) -> text, taken from what is deployed: on AWS the
 * synthesized templates' resource properties and the dashboards' asset (the
 * shared synth of test/helpers.ts), locally renderLocalBundle's files. Same
 * layout in every environment:
 *
 * - `rules/<namespace>.yaml`: each AMP rule groups namespace's Data / each rule file of the bundle
 * - `alertmanager.yaml`: the workspace's AlertManagerDefinition / the bundle's alertmanager.yml
 * - `collector/config.yaml`, `config-2.yaml`...: each SSM parameter the collector merges (its name without the
 *   content hash) / the bundle's collector configuration
 * - `dashboards/[<folder>/]<uid>.json`: each published dashboard, pretty-printed
 * - `bundle/...` (local only): every other file of the bundle at its path, but the Node programs
 *   (`monitoring/node/*.js`, esbuild bundles of scripts/: code with its own tests, not configuration)
 *
 * Intrinsic functions read as `${Logical.Attr}` / `${AWS::Region}` (resolveIntrinsics); asset hashes are masked as in
 * the template snapshots (maskVolatile).
 */
export function goldenArtifacts(env: string): Record<string, string> {
  const files = env === 'local' ? localArtifacts() : awsArtifacts(env);
  return Object.fromEntries(
    Object.entries(files)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([file, text]) => [file, maskVolatile(text)]),
  );
}

function localArtifacts(): Record<string, string> {
  const model = modelOf('local');
  const out: Record<string, string> = {};
  for (const [file, text] of Object.entries(
    renderLocalBundle(model, {}) /* the Node programs are bundled code, not configuration: no golden file */,
  )) {
    const rule = /^monitoring\/rules\/(.+\.yaml)$/.exec(file);
    const dashboard = /^monitoring\/grafana\/dashboards\/(?:(.+)\/)?[^/]+\.json$/.exec(file);
    if (rule) add(out, `rules/${rule[1]}`, text);
    else if (file === 'monitoring/alertmanager/alertmanager.yml') add(out, 'alertmanager.yaml', text);
    else if (file === 'monitoring/otel-collector.yaml') add(out, 'collector/config.yaml', text);
    else if (dashboard) add(out, dashboardPath(dashboard[1] ?? '', text), prettyJson(text));
    else if (/^monitoring\/node\/.*\.js$/.test(file)) continue;
    else add(out, `bundle/${file}`, text);
  }
  return out;
}

/** The parameters holding the collector's configuration: `<prefix>/otel-collector/config-<hash>[-<part>]`. */
const COLLECTOR_PARAMETER = /\/otel-collector\/config-[0-9a-f]{12}(-\d+)?$/;

function awsArtifacts(env: string): Record<string, string> {
  const { outdir } = synth(env);
  const out: Record<string, string> = {};
  const inAssembly = <T>(suffix: string): T[] =>
    fs
      .readdirSync(outdir)
      .filter((f) => f.endsWith(suffix))
      .sort()
      .map((f) => JSON.parse(fs.readFileSync(path.join(outdir, f), 'utf8')) as T);
  // Object key of a file asset -> its file in the cloud assembly.
  const assets = new Map<string, string>();
  type AssetManifest = { files?: Record<string, { source: { path: string }; destinations: Record<string, { objectKey: string }> }> };
  for (const manifest of inAssembly<AssetManifest>('.assets.json'))
    for (const file of Object.values(manifest.files ?? {}))
      for (const d of Object.values(file.destinations)) assets.set(d.objectKey, path.join(outdir, file.source.path));

  for (const template of inAssembly<{ Resources?: Record<string, { Type: string; Properties?: any }> }>('.template.json')) {
    for (const { Type: type, Properties: p } of Object.values(template.Resources ?? {})) {
      if (type === 'AWS::APS::RuleGroupsNamespace') add(out, `rules/${resolveIntrinsics(p.Name)}.yaml`, resolveIntrinsics(p.Data));
      if (type === 'AWS::APS::Workspace' && p.AlertManagerDefinition !== undefined)
        add(out, 'alertmanager.yaml', resolveIntrinsics(p.AlertManagerDefinition));
      if (type === 'AWS::SSM::Parameter') {
        const part = COLLECTOR_PARAMETER.exec(resolveIntrinsics(p.Name));
        if (part) add(out, `collector/config${part[1] ?? ''}.yaml`, resolveIntrinsics(p.Value));
      }
      if (type === 'Custom::GrafanaDashboards') {
        const bundle = assets.get(resolveIntrinsics(p.BundleKey));
        if (!bundle) throw new Error(`goldenArtifacts(${env}): no file asset for the dashboards' BundleKey ${JSON.stringify(p.BundleKey)}`);
        const { dashboards } = JSON.parse(fs.readFileSync(bundle, 'utf8')) as { dashboards: { folder: string; text: string }[] };
        for (const d of dashboards) add(out, dashboardPath(d.folder, d.text), prettyJson(d.text));
      }
    }
  }
  return out;
}

function add(out: Record<string, string>, file: string, text: string): void {
  if (file in out) throw new Error(`goldenArtifacts: two artifacts render to ${file}`);
  out[file] = text;
}

function dashboardPath(folder: string, text: string): string {
  const { uid } = JSON.parse(text) as { uid: string };
  return path.posix.join('dashboards', folder, `${uid}.json`);
}

/** A dashboard as one JSON format whatever its source's whitespace: two-space indent, keys in their order, final newline. */
function prettyJson(text: string): string {
  return `${JSON.stringify(JSON.parse(text), null, 2)}\n`;
}

/**
 * A CloudFormation value made of strings, Fn::Join, Fn::Sub, Ref and
 * Fn::GetAtt as readable text: `${AWS::Region}`, `${LogicalId}`,
 * `${LogicalId.Attribute}` (Fn::Sub's own syntax) where CloudFormation puts
 * the deploy-time value.
 */
function resolveIntrinsics(value: unknown): string {
  if (typeof value === 'string') return value;
  const entries = value && typeof value === 'object' && !Array.isArray(value) ? Object.entries(value) : [];
  if (entries.length === 1) {
    const [fn, arg]: [string, any] = entries[0];
    if (fn === 'Ref' && typeof arg === 'string') return `\${${arg}}`;
    if (fn === 'Fn::GetAtt') return `\${${Array.isArray(arg) ? arg.join('.') : String(arg)}}`;
    if (fn === 'Fn::Join') return (arg[1] as unknown[]).map(resolveIntrinsics).join(arg[0] as string);
    if (fn === 'Fn::Sub') {
      if (typeof arg === 'string') return arg;
      const vars = arg[1] as Record<string, unknown>;
      return (arg[0] as string).replace(/\$\{([^!}][^}]*)\}/g, (m, name: string) => (name in vars ? resolveIntrinsics(vars[name]) : m));
    }
  }
  throw new Error(`resolveIntrinsics: unsupported ${JSON.stringify(value).slice(0, 200)}`);
}
