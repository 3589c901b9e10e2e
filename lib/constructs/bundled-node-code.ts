import * as path from 'path';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * Lambda code bundled in-process with esbuild's JS API into `index.js`.
 * NodejsFunction would spawn the esbuild CLI on every synth (about half a
 * second here); building in-process keeps `cdk synth` close to the cost of
 * loading CDK. The asset hash is the bundle's (AssetHashType.OUTPUT): a
 * handler imports code outside its folder (lib/http, lib/model), and a hash
 * of the folder alone would miss a change there or in the esbuild options, so
 * the function would not be redeployed. An unchanged bundle is an unchanged
 * asset. The entry's exports are the handler's (`index.<export>`).
 */
/** How every handler is bundled. */
const ESBUILD_OPTIONS: import('esbuild').BuildOptions = {
  bundle: true,
  minify: true,
  platform: 'node',
  // The functions run on lambda.Runtime.NODEJS_24_X: emit syntax Node 24 runs as it is.
  target: 'node24',
  format: 'cjs',
  // The Lambda runtime ships AWS SDK v3.
  external: ['@aws-sdk/*'],
  logLevel: 'error',
};

export function bundledNodeCode(entry: string): lambda.Code {
  return lambda.Code.fromAsset(path.dirname(entry), {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Only used if local bundling were impossible; it never is (esbuild is installed with the project).
      image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs24.x'),
      local: {
        tryBundle(outputDir: string): boolean {
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          const esbuild = require('esbuild') as typeof import('esbuild');
          esbuild.buildSync({ ...ESBUILD_OPTIONS, entryPoints: [entry], outfile: path.join(outputDir, 'index.js') });
          return true;
        },
      },
    },
  });
}

/**
 * A small handler as inline Lambda code (CloudFormation's ZipFile, at most
 * 4096 bytes: AWS::Lambda::Function Code.ZipFile): bundled in-process with
 * esbuild like `bundledNodeCode`, but no asset to hash, stage or upload. The
 * handler file is `index.js`, so its exports are `index.<export>`.
 */
export function inlineNodeCode(entry: string): lambda.Code {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof import('esbuild');
  const out = esbuild.buildSync({ ...ESBUILD_OPTIONS, entryPoints: [entry], write: false });
  const code = out.outputFiles[0].text;
  if (Buffer.byteLength(code) > INLINE_CODE_MAX_BYTES)
    throw new Error(
      `inlineNodeCode: ${entry} bundles to ${Buffer.byteLength(code)} bytes, over ZipFile's ${INLINE_CODE_MAX_BYTES}; use bundledNodeCode`,
    );
  return lambda.Code.fromInline(code);
}

/** AWS::Lambda::Function Code.ZipFile's limit (CloudFormation resource reference). */
const INLINE_CODE_MAX_BYTES = 4096;
