import { parseArgs } from 'node:util';
import { type ApiClient, createApiClient } from '#client/index.ts';
import { ROUTES, type RouteSpec } from '#functions/routes.ts';
import { matchRoute } from '../http-gateway.ts';

/** An error the CLI reports as a message (exit code 1), not as a stack trace. */
export class CliError extends Error {}

/** The options every command accepts; a command reads those it needs. */
export const OPTIONS = {
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

/** Parses the command line; throws node's `ERR_PARSE_ARGS_*` errors for unknown or malformed options. */
export function parseCommandLine(args: string[]) {
  return parseArgs({ args, allowPositionals: true, options: OPTIONS });
}

export type CliOptions = ReturnType<typeof parseCommandLine>['values'];

/** What a command gets: the parsed command line and the typed client of the API it talks to. */
export interface Cli {
  options: CliOptions;
  positionals: readonly string[];
  apiUrl: string;
  token: string | undefined;
  client: ApiClient;
  /** The answer of a typed client call (printed with `--json`), or a {@link CliError} saying what failed. */
  ok<T>(method: RouteSpec['method'], call: Promise<ApiResult<T>>): Promise<T>;
  /** The positional argument at `index`, or a {@link CliError} naming the `what` that is missing. */
  argument(index: number, what: string): string;
}

/** What an openapi-fetch call resolves to. */
export interface ApiResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

interface Problem {
  title?: string;
  status?: number;
  detail?: string;
  errors?: { path?: string; line?: number; column?: string; message: string }[];
}

/** The CLI for a parsed command line: API at `--url` / `API_URL`, token from `--token` / `API_TOKEN`. */
export function createCli(
  options: CliOptions,
  positionals: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Cli {
  // `--api` is the earlier name of `--url`.
  const apiUrl = (options.url ?? options.api ?? env.API_URL ?? 'http://localhost:3000').replace(/\/+$/, '');
  const token = options.token ?? env.API_TOKEN;
  const client = createApiClient({ baseUrl: apiUrl, ...(token ? { token } : {}) });

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

  return {
    options,
    positionals,
    apiUrl,
    token,
    client,
    ok,
    argument(index, what) {
      const value = positionals[index];
      if (!value) throw new CliError(`Missing ${what}. See --help.`);
      return value;
    },
  };
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
