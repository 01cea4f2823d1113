import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import {
  BUNDLE_OPTIONS,
  functionEntry,
  PROJECT_ROOT,
  type ServiceFunctionName,
} from './service-functions.ts';

/**
 * Bundles one function as the CDK construct does (same `BUNDLE_OPTIONS`) into `outdir/index.mjs` and
 * returns its size in bytes. For the bundle bench and the bundle tests; deployments bundle through
 * `NodejsFunction`.
 */
export async function bundleFunction(
  name: ServiceFunctionName,
  options: {
    outdir: string;
    external?: readonly string[];
    write?: boolean;
    /** Another entry file bundled the same way (tests of what only a bundle shows). */
    entry?: string;
  },
): Promise<{ file: string; bytes: number }> {
  const file = path.join(options.outdir, 'index.mjs');
  const result = await build({
    entryPoints: [options.entry ?? functionEntry(name)],
    absWorkingDir: PROJECT_ROOT,
    bundle: true,
    write: false,
    outfile: file,
    platform: BUNDLE_OPTIONS.platform,
    format: BUNDLE_OPTIONS.format,
    target: BUNDLE_OPTIONS.target,
    minify: BUNDLE_OPTIONS.minify,
    sourcemap: BUNDLE_OPTIONS.sourcemap,
    mainFields: [...BUNDLE_OPTIONS.mainFields],
    banner: { js: BUNDLE_OPTIONS.banner },
    external: [...(options.external ?? BUNDLE_OPTIONS.external)],
    logLevel: 'silent',
  });
  const code = result.outputFiles.find((out) => out.path === file);
  if (!code) throw new Error(`esbuild produced no ${file} for ${name}`);
  if (options.write) {
    await mkdir(options.outdir, { recursive: true });
    for (const out of result.outputFiles) await writeFile(out.path, out.contents);
  }
  return { file, bytes: code.contents.byteLength };
}
