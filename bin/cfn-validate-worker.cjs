/**
 * The worker thread of bin/cfn-validate.ts: CDK's own CloudFormationValidatePlugin,
 * started as soon as the thread is, then asked to validate the synthesized
 * templates. Every reply (a report, or the error the plugin threw) goes on
 * the port of the request, then the request's flag is raised: the main thread
 * waits on that flag (Atomics.wait), so it is raised on every path.
 */
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { parentPort, workerData } = require('worker_threads');

// A failure to start the plugin is the answer to every request, so the main thread's wait ends with it.
let plugin;
let startFailure;
try {
  const { CloudFormationValidatePlugin } = require('aws-cdk-lib');
  plugin = new CloudFormationValidatePlugin();
} catch (e) {
  startFailure = e;
}

// Start the engine now, on a template of the resource types the app makes
// (workerData.types): CDK keeps an engine for any later template whose types
// are among those it was started with (cloudformation-validate-plugin.js,
// initializeEngine). A failure here is not reported: validate() starts the
// engine again and reports its own.
if (plugin)
  try {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfn-validate-'));
    try {
      const templatePath = path.join(dir, 'Warmup.template.json');
      const resources = Object.fromEntries(workerData.types.map((type, i) => [`Resource${i}`, { Type: type }]));
      fs.writeFileSync(templatePath, JSON.stringify({ Resources: resources }));
      plugin.validate({ templatePaths: [templatePath], stackTemplates: [{ stackConstructPath: 'Warmup', templatePath }] });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  } catch {
    // See above.
  }

parentPort.on('message', ({ context, port, done }) => {
  let reply;
  try {
    if (!plugin) throw startFailure;
    reply = { report: plugin.validate(context), version: plugin.version };
  } catch (e) {
    // The message, as CDK reports a plugin's failure (synthesis-validation.js invokeSinglePlugin).
    reply = { error: e instanceof Error ? e.message : String(e) };
  }
  port.postMessage(reply);
  Atomics.store(done, 0, 1);
  Atomics.notify(done, 0);
});
