import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { resolveJoin, resourcesOf, synth } from '../helpers';

/**
 * Writes what the prod template actually holds (rule groups namespaces and the
 * alert manager definition) into a temporary folder, for promtool and amtool.
 */
export function renderedFromTemplate(): {
  dir: string;
  ruleFiles: string[];
  alertmanagerConfig: string;
  templateDir: string;
  definition: Record<string, any>;
} {
  const { json } = synth('prod');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'obs-rendered-'));
  const ruleFiles = resourcesOf(json, 'AWS::APS::RuleGroupsNamespace').map(([, p]) => {
    const file = path.join(dir, `${p.Name}.yaml`);
    fs.writeFileSync(file, p.Data);
    return file;
  });
  const [[, ws]] = resourcesOf(json, 'AWS::APS::Workspace');
  const definition = parse(resolveJoin(ws.AlertManagerDefinition));
  const templateDir = path.join(dir, 'templates');
  fs.mkdirSync(templateDir);
  for (const [name, text] of Object.entries<string>(definition.template_files)) fs.writeFileSync(path.join(templateDir, name), text);
  // AMP names template files by key; a plain Alertmanager needs their paths.
  const config = parse(definition.alertmanager_config);
  config.templates = (config.templates as string[]).map((t) => path.join(templateDir, t));
  const alertmanagerConfig = path.join(dir, 'alertmanager.yml');
  fs.writeFileSync(alertmanagerConfig, JSON.stringify(config));
  return { dir, ruleFiles, alertmanagerConfig, templateDir, definition };
}
