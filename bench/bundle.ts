/**
 * Bundle sizes (contract §8): each Lambda entry bundled by esbuild with the options the CDK function
 * construct uses (`infra/service-functions.ts`), minified, `@aws-sdk/*` left to the runtime.
 * `bundle.<function>.bytes` is the deployed `index.mjs` (source map apart); `…withSdkBytes` is the same
 * bundle with the SDK inlined, the size the runtime-provided SDK saves.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import {
  BUNDLE_OPTIONS,
  functionEntry,
  PROJECT_ROOT,
  SERVICE_FUNCTION_NAMES,
  type ServiceFunctionName,
} from '#infra/service-functions.ts';

async function bundledBytes(name: ServiceFunctionName, external: readonly string[]): Promise<number> {
  const outfile = path.join(os.tmpdir(), 'partner-scoring-bundle', name, 'index.mjs');
  const result = await build({
    entryPoints: [functionEntry(name)],
    absWorkingDir: PROJECT_ROOT,
    bundle: true,
    write: false,
    outfile,
    platform: BUNDLE_OPTIONS.platform,
    format: BUNDLE_OPTIONS.format,
    target: BUNDLE_OPTIONS.target,
    minify: BUNDLE_OPTIONS.minify,
    sourcemap: BUNDLE_OPTIONS.sourcemap,
    mainFields: [...BUNDLE_OPTIONS.mainFields],
    banner: { js: BUNDLE_OPTIONS.banner },
    external: [...external],
    logLevel: 'silent',
  });
  const code = result.outputFiles.find((file) => file.path === outfile);
  if (!code) throw new Error(`esbuild produced no ${outfile} for ${name}`);
  return code.contents.byteLength;
}

export async function run(): Promise<Record<string, number>> {
  const figures: Record<string, number> = {};
  for (const name of SERVICE_FUNCTION_NAMES) {
    if (!existsSync(functionEntry(name))) {
      console.warn(`bundle: ${path.relative(PROJECT_ROOT, functionEntry(name))} does not exist yet; skipped`);
      continue;
    }
    figures[`bundle.${name}.bytes`] = await bundledBytes(name, BUNDLE_OPTIONS.external);
    figures[`bundle.${name}.withSdkBytes`] = await bundledBytes(name, []);
  }
  return figures;
}
