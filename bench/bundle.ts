/**
 * Bundle sizes (contract §8): each Lambda entry bundled by esbuild with the options the CDK function
 * construct uses (`infra/service-functions.ts`), minified, `@aws-sdk/*` left to the runtime.
 * `bundle.<function>.bytes` is the deployed `index.mjs` (source map apart); the size of the same bundle
 * with the SDK inlined is printed beside it, to show what the runtime-provided SDK saves.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleFunction } from '#infra/bundle-function.ts';
import { functionEntry, PROJECT_ROOT, SERVICE_FUNCTION_NAMES } from '#infra/service-functions.ts';

export async function run(): Promise<Record<string, number>> {
  const figures: Record<string, number> = {};
  for (const name of SERVICE_FUNCTION_NAMES) {
    if (!existsSync(functionEntry(name))) {
      console.warn(`bundle: ${path.relative(PROJECT_ROOT, functionEntry(name))} does not exist yet; skipped`);
      continue;
    }
    const outdir = path.join(os.tmpdir(), 'partner-scoring-bundle', name);
    figures[`bundle.${name}.bytes`] = (await bundleFunction(name, { outdir })).bytes;
    // Printed, not a figure: every `bundle.*` figure is a deployed bundle with a 200,000-byte goal.
    const withSdk = (await bundleFunction(name, { outdir, external: [] })).bytes;
    console.log(`bundle: ${name} would be ${withSdk} bytes with @aws-sdk/* inlined`);
  }
  return figures;
}
