/**
 * `npm run cli -- <command>`: the service from a terminal, through its HTTP API (`API_URL`, default
 * http://localhost:3000, with the bearer token `API_TOKEN`), the way any client would use it: every
 * call goes through the typed client (`client/`), so routes, parameters and answers are
 * compiler-checked. `npm run cli -- --help` lists the commands.
 */
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import Table from 'cli-table3';
import { type ApiSchemas, createApiClient } from '#client/index.ts';
import { ROUTES, type RouteSpec } from '#functions/routes.ts';
import { matchRoute } from './http-gateway.ts';

const HELP = `Partner scoring CLI: talks to the HTTP API at API_URL (default http://localhost:3000),
sending API_TOKEN (or --token) as a bearer token when set.

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
  login                                   get an access token by the client-credentials flow
        [--token-url <url>] [--client-id <id>] [--client-secret <secret>] [--scope <scopes>]
                                          (or TOKEN_URL, CLIENT_ID, CLIENT_SECRET); prints API_TOKEN=…

Options: --url <url> (instead of API_URL), --token <token> (instead of API_TOKEN),
  --json (print the raw JSON responses), --help
Examples:
  npm run cli -- import samples/seed-partners.csv
  npm run cli -- rank --top 10 --region EMEA
  npm run cli -- preview samples/seed-model.json
  API_URL=https://… API_TOKEN=… npm run cli -- rank
`;

class CliError extends Error {}

interface Problem {
  title?: string;
  status?: number;
  detail?: string;
  errors?: { path?: string; line?: number; column?: string; message: string }[];
}

type Run = ApiSchemas['Run'];
type ImportStatus = ApiSchemas['ImportStatus'];
type RankingPage = ApiSchemas['RankingPage'];

const OPTIONS = {
  url: { type: 'string' },
  api: { type: 'string' },
  token: { type: 'string' },
  'token-url': { type: 'string' },
  'client-id': { type: 'string' },
  'client-secret': { type: 'string' },
  scope: { type: 'string' },
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

// `--api` is the earlier name of `--url`.
const apiUrl = (options.url ?? options.api ?? process.env.API_URL ?? 'http://localhost:3000').replace(
  /\/+$/,
  '',
);
const token = options.token ?? process.env.API_TOKEN;
const client = createApiClient({ baseUrl: apiUrl, ...(token ? { token } : {}) });
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

/** What an openapi-fetch call resolves to. */
interface ApiResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/**
 * The answer of a typed client call, or a {@link CliError} saying what went wrong: the API cannot be
 * reached, the token is missing or lacks the route's scope (401 / 403), or the problem+json details.
 */
async function ok<T>(method: RouteSpec['method'], call: Promise<ApiResult<T>>): Promise<T> {
  let result: ApiResult<T>;
  try {
    result = await call;
  } catch (error) {
    throw new CliError(
      `Cannot reach the API at ${apiUrl} (${(error as Error).cause ?? (error as Error).message}). Is \`npm start\` running? Set API_URL or --url otherwise.`,
    );
  }
  const { data, error, response } = result;
  const url = new URL(response.url);
  const route = `${url.pathname}${url.search}`;
  if (response.status === 401 || response.status === 403) {
    throw new CliError(describeAuthFailure(method, url.pathname, response));
  }
  if (!response.ok) throw new CliError(describeProblem(method, route, response.status, error));
  if (options.json) console.log(JSON.stringify(data, null, 2));
  return data as T;
}

/** A 401 or 403 from the JWT authorizer, with the scope the route needs and how to get a token. */
function describeAuthFailure(method: RouteSpec['method'], path: string, response: Response): string {
  const basePath = new URL(apiUrl).pathname.replace(/\/+$/, '');
  const route = matchRoute(method, path.slice(basePath.length) || '/')?.route;
  const scope = route?.scope ?? ROUTES.find((r) => r.path === path)?.scope ?? 'partners/read';
  const reason = /error_description="([^"]*)"/.exec(response.headers.get('www-authenticate') ?? '')?.[1];
  const head = `${method} ${path}: ${response.status} ${response.status === 401 ? 'Unauthorized' : 'Forbidden'}${reason ? ` (${reason})` : ''}`;
  if (response.status === 403) {
    return `${head}\n  The token lacks the scope ${scope}: use a token of a client allowed ${scope} (npm run cli -- login --scope "${scope}").`;
  }
  return token
    ? `${head}\n  The token was refused; this route needs a valid token with the scope ${scope}: get a new one with npm run cli -- login.`
    : `${head}\n  This route needs a token with the scope ${scope}: pass --token or set API_TOKEN (npm run cli -- login gets one).`;
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

async function followRun(runId: string): Promise<Run> {
  process.stdout.write(`run ${runId} `);
  const stalled = stallWatch();
  for (;;) {
    const run = await ok('GET', client.GET('/runs/{runId}', { params: { path: { runId } } }));
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
  const created = await ok('POST', client.POST('/imports'));
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
    status = await ok(
      'GET',
      client.GET('/imports/{importId}', { params: { path: { importId: created.importId } } }),
    );
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
  const { tier, region, type } = options;
  const filters = {
    ...(tier === undefined ? {} : { tier }),
    ...(region === undefined ? {} : { region }),
    ...(type === undefined ? {} : { type }),
  };
  const items: RankingPage['items'] = [];
  let page: RankingPage;
  let cursor: string | null = null;
  do {
    const query = {
      ...filters,
      limit: String(Math.min(500, top - items.length)),
      ...(cursor ? { cursor } : {}),
    };
    page = await ok('GET', client.GET('/rankings', { params: { query } }));
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
  const view = await ok('GET', client.GET('/partners/{id}', { params: { path: { id } } }));
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
  const result = await ok(
    'GET',
    client.GET('/partners/{id}/history', { params: { path: { id }, query: { limit: String(limit) } } }),
  );
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
  const started = await ok('POST', client.POST('/rescore'));
  await followRun(started.runId);
}

async function model(action: string): Promise<void> {
  if (action === 'get') {
    const active = await ok('GET', client.GET('/model'));
    if (!options.json) console.log(JSON.stringify(active, null, 2));
    return;
  }
  if (action === 'set') {
    const file = argument(2, 'model file (model set <model.json>)');
    // The file is sent as it is: the API validates it and answers a 400 with a path per problem.
    const body = (await readJsonFile(file)) as ApiSchemas['ScoringModelInput'];
    const result = await ok('PUT', client.PUT('/model', { body }));
    console.log(`model v${result.version} is active; rescoring`);
    await followRun(result.runId);
    return;
  }
  throw new CliError('Use `model get` or `model set <model.json>`.');
}

async function preview(file: string): Promise<void> {
  const limit = positiveInt(options.limit, 'limit', 20);
  const candidate = (await readJsonFile(file)) as ApiSchemas['ModelPreviewBody'];
  const result = await ok(
    'POST',
    client.POST('/model/preview', { params: { query: { limit: String(limit) } }, body: candidate }),
  );
  console.log(
    `${fmt(result.partners, 0)} partners scored with ${file}: ${fmt(result.tierChanges, 0)} tier change(s)`,
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
      fmt(mover.previewRank, 0),
      fmt(mover.score),
      fmt(mover.previewScore),
      mover.tier ?? '—',
      mover.previewTier ?? '—',
    ]);
  }
  console.log(table.toString());
}

/** `login`: an access token from the issuer's token endpoint by the client-credentials flow. */
async function login(): Promise<void> {
  const tokenUrl = options['token-url'] ?? process.env.TOKEN_URL;
  const clientId = options['client-id'] ?? process.env.CLIENT_ID;
  const clientSecret = options['client-secret'] ?? process.env.CLIENT_SECRET;
  if (!tokenUrl || !clientId || !clientSecret) {
    throw new CliError(
      "login needs --token-url (the issuer's …/oauth2/token, see docs/deploy.md), --client-id and --client-secret, or TOKEN_URL, CLIENT_ID and CLIENT_SECRET. `LOCAL_AUTH=1 npm start` prints local ones.",
    );
  }
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (options.scope) form.set('scope', options.scope);
  let response: Response;
  try {
    response = await fetch(tokenUrl, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: form,
    });
  } catch (error) {
    throw new CliError(`Cannot reach the token endpoint ${tokenUrl} (${(error as Error).message}).`);
  }
  const answer = (await response.json().catch(() => ({}))) as {
    access_token?: unknown;
    expires_in?: number;
    error?: string;
  };
  if (!response.ok || typeof answer.access_token !== 'string') {
    throw new CliError(
      `The token endpoint answered ${response.status}${answer.error ? ` ${answer.error}` : ''}: check the client id and secret, and that the client may use the client-credentials flow and the scopes asked for.`,
    );
  }
  console.log(`API_TOKEN=${answer.access_token}`);
  console.error(
    `A token${options.scope ? ` for ${options.scope}` : ''}, valid ${answer.expires_in ?? '?'} s: export the line above (export $(npm run -s cli -- login …)) or pass it with --token.`,
  );
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
    case 'login':
      return login();
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
