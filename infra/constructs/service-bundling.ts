import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { BUNDLE_OPTIONS } from '../service-functions.ts';

/**
 * How esbuild bundles a service function (`BUNDLE_OPTIONS`: ESM, minified, source maps, the
 * runtime's `@aws-sdk/*` left out), with `afterBundling`'s shell commands run after it to put more
 * files beside the bundle (in the project root).
 */
export function serviceBundling(afterBundling?: (outputDir: string) => string[]): BundlingOptions {
  return {
    format: OutputFormat.ESM,
    target: BUNDLE_OPTIONS.target,
    minify: BUNDLE_OPTIONS.minify,
    sourceMap: BUNDLE_OPTIONS.sourcemap,
    externalModules: [...BUNDLE_OPTIONS.external],
    mainFields: [...BUNDLE_OPTIONS.mainFields],
    banner: BUNDLE_OPTIONS.banner,
    ...(afterBundling
      ? {
          commandHooks: {
            beforeBundling: () => [],
            beforeInstall: () => [],
            afterBundling: (inputDir: string, outputDir: string) => [
              `cd "${inputDir}"`,
              ...(afterBundling?.(outputDir) ?? []),
            ],
          },
        }
      : {}),
  };
}
