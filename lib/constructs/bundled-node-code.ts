import * as path from 'path';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * Lambda code bundled in-process with esbuild's JS API into `index.js`.
 * NodejsFunction would spawn the esbuild CLI on every synth (about half a
 * second here); building in-process keeps `cdk synth` close to the cost of
 * loading CDK. The asset hash is the source folder's, so an unchanged handler
 * is an unchanged asset. Handler: `index.handler`.
 */
export function bundledNodeCode(entry: string): lambda.Code {
  return lambda.Code.fromAsset(path.dirname(entry), {
    assetHashType: AssetHashType.SOURCE,
    bundling: {
      // Only used if local bundling were impossible; it never is (esbuild is a dependency).
      image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs24.x'),
      local: {
        tryBundle(outputDir: string): boolean {
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          const esbuild = require('esbuild') as typeof import('esbuild');
          esbuild.buildSync({
            entryPoints: [entry],
            outfile: path.join(outputDir, 'index.js'),
            bundle: true,
            minify: true,
            platform: 'node',
            target: 'node22',
            format: 'cjs',
            // The Lambda runtime ships AWS SDK v3.
            external: ['@aws-sdk/*'],
            logLevel: 'error',
          });
          return true;
        },
      },
    },
  });
}
