/**
 * `npm run bench [-- part …]`: runs the benchmark parts (all, or those named) in one process, prints a
 * table and merges the figures into `.bench/results.json` (contract §8). Each part is
 * `bench/<part>.ts` exporting `run(): Promise<Record<string, number>>`.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

const PARTS = ['core', 'import', 'rescore', 'http', 'bundle', 'soak', 'ui', 'leads'] as const;

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

const requested = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const unknown = requested.filter((part) => !(PARTS as readonly string[]).includes(part));
if (unknown.length > 0) {
  console.error(`Unknown bench part(s): ${unknown.join(', ')}. Choose from: ${PARTS.join(', ')}.`);
  process.exit(2);
}
const parts = requested.length > 0 ? requested : [...PARTS];

const resultsFile = path.resolve('.bench/results.json');
const results: Record<string, number> = await readFile(resultsFile, 'utf8')
  .then((text) => JSON.parse(text) as Record<string, number>)
  .catch(() => ({}));

for (const part of parts) {
  console.log(`\n== bench: ${part}`);
  const module = (await import(`./${part}.ts`)) as { run: () => Promise<Record<string, number>> };
  const figures = await module.run();
  Object.assign(results, figures);
  console.table(Object.entries(figures).map(([figure, value]) => ({ figure, value: round(value) })));
  await mkdir(path.dirname(resultsFile), { recursive: true });
  await writeFile(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
}
console.log(`\nwrote ${path.relative(process.cwd(), resultsFile)}`);

function round(value: number): number {
  return Math.abs(value) >= 100 ? Math.round(value) : Math.round(value * 1000) / 1000;
}
