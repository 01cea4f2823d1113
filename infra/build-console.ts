/**
 * Builds the web console (`console/`) into a folder the `web-console` function serves: esbuild bundles
 * `console/src/main.tsx` (Preact, JSX) and its CSS into content-hashed files under `assets/`, writes
 * `index.html` pointing at them, and precompresses every file as `.gz` and `.br` (HTTP APIs do not
 * compress responses). Run by `npm start`, the tests, the ui bench and the CDK bundling of the
 * function (`tsx infra/build-console.ts <outdir>`).
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const ROOT = path.resolve(import.meta.dirname, '..');
const CONSOLE_DIR = path.join(ROOT, 'console');
/** Where index.html names the bundle; replaced at build time. */
const ASSETS_MARK = '<!-- assets -->';

export interface ConsoleBuild {
  dir: string;
  /** Asset file names under `assets/` (without the `.gz` / `.br` siblings). */
  assets: string[];
  /** Gzipped bytes of the JavaScript and CSS a browser downloads (contract §8 `ui.bundle.gzBytes`). */
  gzBytes: number;
}

export async function buildConsole(outdir: string): Promise<ConsoleBuild> {
  const result = await build({
    entryPoints: [path.join(CONSOLE_DIR, 'src', 'main.tsx')],
    absWorkingDir: ROOT,
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    entryNames: 'assets/app-[hash]',
    assetNames: 'assets/[name]-[hash]',
    outdir,
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  await rm(path.join(outdir, 'assets'), { recursive: true, force: true });
  await mkdir(path.join(outdir, 'assets'), { recursive: true });
  const assets: string[] = [];
  let gzBytes = 0;
  const tags: string[] = [];
  for (const file of result.outputFiles) {
    const name = path.basename(file.path);
    assets.push(name);
    gzBytes += await writeCompressed(path.join(outdir, 'assets', name), file.contents);
    if (name.endsWith('.css')) tags.unshift(`<link rel="stylesheet" href="/assets/${name}">`);
    else if (name.endsWith('.js')) tags.push(`<script type="module" src="/assets/${name}"></script>`);
  }
  const template = await readFile(path.join(CONSOLE_DIR, 'index.html'), 'utf8');
  if (!template.includes(ASSETS_MARK)) throw new Error(`console/index.html lost its ${ASSETS_MARK} mark`);
  await writeFile(path.join(outdir, 'index.html'), template.replace(ASSETS_MARK, tags.join('\n    ')));
  return { dir: outdir, assets, gzBytes };
}

/** Writes the file and its `.gz` and `.br` siblings; returns the gzipped size. */
async function writeCompressed(file: string, contents: Uint8Array): Promise<number> {
  const gz = gzipSync(contents, { level: 9 });
  const br = brotliCompressSync(contents, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: contents.length },
  });
  await Promise.all([writeFile(file, contents), writeFile(`${file}.gz`, gz), writeFile(`${file}.br`, br)]);
  return gz.length;
}

// `tsx infra/build-console.ts <outdir>`: the CDK bundling hook of the web-console function.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const outdir = process.argv[2];
  if (!outdir) {
    console.error('usage: tsx infra/build-console.ts <outdir>');
    process.exit(2);
  }
  const built = await buildConsole(path.resolve(outdir));
  console.log(`console: ${built.assets.length} assets, ${built.gzBytes} bytes gzipped, in ${built.dir}`);
}
