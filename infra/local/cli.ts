/**
 * `npm run cli -- <command>`: the service from a terminal, through its HTTP API (`API_URL`, default
 * http://localhost:3000), the way any client would use it. `npm run cli -- --help` lists the commands.
 */
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import Table from 'cli-table3';
import type { PartnerView } from '#core/ranking/partner-score.ts';
import type { RankingResponse } from '#core/ranking/read-rankings.ts';

const HELP = `Partner scoring CLI: talks to the HTTP API at API_URL (default http://localhost:3000).

Usage: npm run cli -- <command> [options]

  import <file.csv>                       upload a CSV (POST /imports + presigned PUT), follow the import
  rank [--top 20] [--tier T] [--region R] [--type T]
                                          the current ranking (filters keep the global rank)
  partner <id>                            a partner's score explained: breakdown, groups, next tier
  history <id> [--limit 20]               a partner's score, rank and tier per run, newest first
  rescore                                 start a rescore run (or join the running one) and follow it
  model get                               the active scoring model
  model set <model.json>                  activate a new model version; follows the run it starts
  preview <model.json> [--limit 20]       dry run of a model: who moves, nothing stored

Options: --api <url> (instead of API_URL), --json (print the raw JSON responses), --help
Examples:
  npm run cli -- import samples/seed-partners.csv
  npm run cli -- rank --top 10 --region EMEA
  npm run cli -- preview samples/seed-model.json
`;

class CliError extends Error {}

interface Problem {
  title?: string;
  status?: number;
  detail?: string;
  errors?: { path?: string; line?: number; column?: string; message: string }[];
}

/** A typed view of the JSON responses the CLI reads (contract §3). */
interface RunRecord {
  runId: string;
  status: 'running' | 'completed' | 'failed';
  startedAt: string;
  finishedAt: string | null;
  partners: number | null;
  modelVersion: number;
  tierChanges: number | null;
}

interface ImportStatus {
  importId: string;
  status: 'pending' | 'processing' | 'completed' | 'failed';
  rowsTotal: number | null;
  rowsImported: number;
  rowsRejected: number;
  warnings: string[];
  errors: { line: number; column: string | null; message: string }[];
  errorReport: string | null;
}

const OPTIONS = {
  api: { type: 'string' },
  top: { type: 'string', default: '20' },
  limit: { type: 'string' },
  tier: { type: 'string' },
  region: { type: 'string' },
  type: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

const { values: options, positionals } = parseCommandLine();

function parseCommandLine() {
  try {
    return parseArgs({ allowPositionals: true, options: OPTIONS });
  } catch (error) {
    console.error(`${(error as Error).message}\nSee --help.`);
    process.exit(2);
  }
}

const apiUrl = (options.api ?? process.env.API_URL ?? 'http://localhost:3000').replace(/\/+$/, '');
const POLL_MS = 500;
// A run or import that shows no progress for this long is reported instead of waited on forever.
const STALL_MS = 5 * 60_000;

/** Tells, on each poll, whether the state has stopped changing for longer than `STALL_MS`. */
function stallWatch(): (state: string) => boolean {
  let last = '';
  let since = Date.now();
  return (state) => {
    if (state !== last) {
      last = state;
      since = Date.now();
    }
    return Date.now() - since > STALL_MS;
  };
}

function newTable(head: string[]): Table.Table {
  return new Table({ head, style: { head: ['cyan'], compact: true } });
}

async function api<T>(method: string, route: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${apiUrl}${route}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
  } catch (error) {
    throw new CliError(
      `Cannot reach the API at ${apiUrl} (${(error as Error).cause ?? (error as Error).message}). Is \`npm start\` running? Set API_URL or --api otherwise.`,
    );
  }
  const text = await response.text();
  const json = text === '' ? undefined : safeJson(text);
  if (!response.ok) throw new CliError(describeProblem(method, route, response.status, json ?? text));
  if (options.json) console.log(JSON.stringify(json, null, 2));
  return json as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function describeProblem(method: string, route: string, status: number, body: unknown): string {
  const problem = (typeof body === 'object' && body !== null ? body : { detail: String(body) }) as Problem;
  const lines = [`${method} ${route}: ${status} ${problem.title ?? ''}`.trim()];
  if (problem.detail) lines.push(`  ${problem.detail}`);
  for (const error of problem.errors ?? []) {
    const where = error.path ?? (error.line === undefined ? '' : `line ${error.line}`);
    lines.push(`  - ${where}${where ? ': ' : ''}${error.message}`);
  }
  return lines.join('\n');
}

const fmt = (value: number | null | undefined, digits = 2) =>
  value === null || value === undefined ? '—' : Number(value.toFixed(digits)).toLocaleString('en-US');

function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new CliError(`--${name} must be a whole number ≥ 1`);
  return number;
}

function argument(index: number, what: string): string {
  const value = positionals[index];
  if (!value) throw new CliError(`Missing ${what}. See --help.`);
  return value;
}

async function readJsonFile(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8').catch((error: Error) => {
    throw new CliError(`Cannot read ${file}: ${error.message}`);
  });
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}

async function followRun(runId: string): Promise<RunRecord> {
  process.stdout.write(`run ${runId} `);
  const stalled = stallWatch();
  for (;;) {
    const run = await api<RunRecord>('GET', `/runs/${encodeURIComponent(runId)}`);
    if (run.status !== 'running') {
      process.stdout.write('\n');
      const table = newTable(['run', 'status', 'partners', 'model', 'tier changes', 'took']);
      const took =
        run.finishedAt === null
          ? '—'
          : `${(Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000} s`;
      table.push([
        run.runId,
        run.status,
        fmt(run.partners, 0),
        run.modelVersion,
        fmt(run.tierChanges, 0),
        took,
      ]);
      console.log(table.toString());
      if (run.status === 'failed') throw new CliError(`Run ${runId} failed; the previous ranking stays.`);
      return run;
    }
    if (stalled(run.status)) {
      throw new CliError(
        `Run ${runId} is still running after ${STALL_MS / 60_000} minutes; see the npm start console.`,
      );
    }
    process.stdout.write('.');
    await sleep(POLL_MS);
  }
}

async function importFile(file: string): Promise<void> {
  const content = await readFile(file).catch((error: Error) => {
    throw new CliError(`Cannot read ${file}: ${error.message}`);
  });
  const created = await api<{ importId: string; uploadUrl: string }>('POST', '/imports');
  const upload = await fetch(created.uploadUrl, {
    method: 'PUT',
    headers: { 'content-type': 'text/csv' },
    body: content,
  });
  if (!upload.ok) {
    throw new CliError(`Upload to the presigned URL failed: ${upload.status} ${await upload.text()}`);
  }
  console.log(`import ${created.importId}: uploaded ${fmt(content.length, 0)} bytes`);

  const bar = new SingleBar(
    { format: 'importing |{bar}| {value}/{total} rows | {status}', hideCursor: true },
    Presets.shades_classic,
  );
  let started = false;
  let status: ImportStatus;
  const stalled = stallWatch();
  for (;;) {
    status = await api<ImportStatus>('GET', `/imports/${encodeURIComponent(created.importId)}`);
    const done = status.rowsImported + status.rowsRejected;
    if (status.rowsTotal !== null && !options.json) {
      if (!started) bar.start(status.rowsTotal, done, { status: status.status });
      started = true;
      bar.setTotal(Math.max(status.rowsTotal, done));
      bar.update(done, { status: status.status });
    }
    if (status.status === 'completed' || status.status === 'failed') break;
    if (stalled(`${status.status} ${done}`)) {
      if (started) bar.stop();
      throw new CliError(
        `Import ${status.importId} made no progress for ${STALL_MS / 60_000} minutes (${status.status}); see the npm start console.`,
      );
    }
    await sleep(POLL_MS);
  }
  if (started) bar.stop();

  const table = newTable(['import', 'status', 'rows', 'imported', 'rejected']);
  table.push([
    status.importId,
    status.status,
    fmt(status.rowsTotal, 0),
    status.rowsImported,
    status.rowsRejected,
  ]);
  console.log(table.toString());
  for (const warning of status.warnings) console.log(`warning: ${warning}`);
  if (status.errors.length > 0) {
    const errors = newTable(['line', 'column', 'message']);
    for (const error of status.errors) errors.push([error.line, error.column ?? '', error.message]);
    console.log(errors.toString());
  }
  if (status.errorReport) console.log(`error report (all rejected rows): ${status.errorReport}`);
  if (status.status === 'failed') throw new CliError(`Import ${status.importId} failed.`);
  console.log('A completed import starts a rescore run: `npm run cli -- rank` shows it once it is done.');
}

async function rank(): Promise<void> {
  const top = positiveInt(options.top, 'top', 20);
  const filters = new URLSearchParams();
  for (const name of ['tier', 'region', 'type'] as const) {
    const value = options[name];
    if (value !== undefined) filters.set(name, value);
  }
  const items: RankingResponse['items'] = [];
  let page: RankingResponse;
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams(filters);
    query.set('limit', String(Math.min(500, top - items.length)));
    if (cursor) query.set('cursor', cursor);
    page = await api<RankingResponse>('GET', `/rankings?${query}`);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && items.length < top);

  if (page.runId === null) {
    console.log('No completed run yet: import partners (or POST /partners), then `npm run cli -- rescore`.');
    return;
  }
  const table = newTable(['rank', 'id', 'name', 'score', 'tier', 'move']);
  for (const item of items) {
    const move =
      item.previousRank === null
        ? 'new'
        : item.previousRank === item.rank
          ? '='
          : `${item.previousRank > item.rank ? '▲' : '▼'} ${Math.abs(item.previousRank - item.rank)}`;
    table.push([item.rank, item.id, item.name, fmt(item.score), item.tier ?? '—', move]);
  }
  console.log(table.toString());
  console.log(
    `run ${page.runId} (model v${page.modelVersion}, scored ${page.scoredAt})${page.stale ? ' — partners changed since; the next run updates it' : ''}`,
  );
}

async function partner(id: string): Promise<void> {
  const view = await api<PartnerView>('GET', `/partners/${encodeURIComponent(id)}`);
  const { score } = view;
  console.log(
    `${view.name} (${view.id})  type ${view.type ?? '—'}  region ${view.region ?? '—'}  as of ${view.asOf}`,
  );
  console.log(
    `score ${fmt(score.value)}${score.provisional ? ' (provisional)' : ''}  tier ${score.tier ?? '—'}  rank ${fmt(score.rank, 0)}  percentile ${fmt(score.percentile, 1)}  coverage ${fmt((score.coverage ?? 0) * 100, 0)}%  model v${score.modelVersion ?? '—'}`,
  );
  const table = newTable(['metric', 'group', 'raw', 'normalized', 'weight', 'contribution']);
  for (const row of score.breakdown ?? []) {
    table.push([
      row.metric,
      row.group,
      fmt(row.raw),
      fmt(row.normalized, 4),
      fmt(row.weight),
      fmt(row.contribution, 3),
    ]);
  }
  console.log(table.toString());
  const groups = Object.entries(score.groups ?? {})
    .map(([group, value]) => `${group} ${fmt(value)}`)
    .join('  ');
  if (groups) console.log(`groups: ${groups}`);
  console.log(
    score.nextTier
      ? `next tier: ${score.nextTier.name}, ${fmt(score.nextTier.pointsNeeded)} points away`
      : 'next tier: none (top tier)',
  );
}

async function history(id: string): Promise<void> {
  const limit = positiveInt(options.limit, 'limit', 20);
  const result = await api<{
    items: { runId: string; scoredAt: string; score: number; rank: number; tier: string | null }[];
  }>('GET', `/partners/${encodeURIComponent(id)}/history?limit=${limit}`);
  if (result.items.length === 0) {
    console.log(`No runs have scored ${id} yet.`);
    return;
  }
  const table = newTable(['scored at', 'run', 'score', 'rank', 'tier']);
  for (const item of result.items) {
    table.push([item.scoredAt, item.runId, fmt(item.score), item.rank, item.tier ?? '—']);
  }
  console.log(table.toString());
}

async function rescore(): Promise<void> {
  const started = await api<{ runId: string; status: string }>('POST', '/rescore');
  await followRun(started.runId);
}

async function model(action: string): Promise<void> {
  if (action === 'get') {
    const active = await api<unknown>('GET', '/model');
    if (!options.json) console.log(JSON.stringify(active, null, 2));
    return;
  }
  if (action === 'set') {
    const file = argument(2, 'model file (model set <model.json>)');
    const result = await api<{ version: number; runId: string }>('PUT', '/model', await readJsonFile(file));
    console.log(`model v${result.version} is active; rescoring`);
    await followRun(result.runId);
    return;
  }
  throw new CliError('Use `model get` or `model set <model.json>`.');
}

async function preview(file: string): Promise<void> {
  const limit = positiveInt(options.limit, 'limit', 20);
  const candidate = (await readJsonFile(file)) as Record<string, unknown>;
  const result = await api<{
    partners: number;
    tierChanges: number;
    movers: {
      id: string;
      rank: number | null;
      previewRank: number;
      score: number | null;
      previewScore: number;
      tier: string | null;
      previewTier: string | null;
    }[];
  }>('POST', `/model/preview?limit=${limit}`, candidate);
  console.log(
    `${fmt(result.partners, 0)} partners scored with ${file}: ${result.tierChanges} tier change(s)`,
  );
  if (result.movers.length === 0) {
    console.log('Nobody changes rank or tier.');
    return;
  }
  const table = newTable(['id', 'rank', 'preview rank', 'score', 'preview score', 'tier', 'preview tier']);
  for (const mover of result.movers) {
    table.push([
      mover.id,
      fmt(mover.rank, 0),
      mover.previewRank,
      fmt(mover.score),
      fmt(mover.previewScore),
      mover.tier ?? '—',
      mover.previewTier ?? '—',
    ]);
  }
  console.log(table.toString());
}

async function main(): Promise<void> {
  const [command] = positionals;
  if (options.help || !command) {
    console.log(HELP);
    return;
  }
  switch (command) {
    case 'import':
      return importFile(argument(1, 'CSV file (import <file.csv>)'));
    case 'rank':
      return rank();
    case 'partner':
      return partner(argument(1, 'partner id (partner <id>)'));
    case 'history':
      return history(argument(1, 'partner id (history <id>)'));
    case 'rescore':
      return rescore();
    case 'model':
      return model(argument(1, 'action (model get | model set <model.json>)'));
    case 'preview':
      return preview(argument(1, 'model file (preview <model.json>)'));
    default:
      throw new CliError(`Unknown command "${command}". See --help.`);
  }
}

try {
  await main();
} catch (error) {
  if (!(error instanceof CliError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
