/**
 * The typed client of the HTTP API, for the CLI, the console and any TypeScript integrator:
 * openapi-fetch over the types `npm run openapi` generates from docs/openapi.json, so a call to a
 * route, its parameters, its body and the fields read from its answer are checked by the compiler.
 *
 * ```ts
 * const api = createApiClient({ baseUrl: 'http://localhost:3000', token: process.env.API_TOKEN });
 * const { data, error, response } = await api.GET('/rankings', { params: { query: { limit: '10' } } });
 * ```
 */
import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './api-types.ts';

export type { components, operations, paths } from './api-types.ts';

/** Every named schema of the document: `ApiSchemas['RankingPage']`, `ApiSchemas['Problem']`, … */
export type ApiSchemas = components['schemas'];
/** A content type, as openapi-fetch picks response bodies by it. */
export type MediaType = `${string}/${string}`;
/** The client; by default its answers are typed as their JSON body (`GET /rankings` can also be CSV). */
export type ApiClient<Media extends MediaType = 'application/json'> = Client<paths, Media>;

export interface ApiClientOptions {
  /** The API's base URL, e.g. `http://localhost:3000` or the stack's `ApiUrl` output. */
  baseUrl: string;
  /** A bearer token, or a function asked before each request (a console that refreshes its token). */
  token?: string | (() => string | undefined | Promise<string | undefined>);
  /** Another fetch (tests, proxies). */
  fetch?: (request: Request) => Promise<Response>;
}

/**
 * A client of the API at `baseUrl`; with a `token`, each request carries `Authorization: Bearer …`.
 * `Media` selects the response bodies typed: JSON by default, `'text/csv'` for the ranking as CSV.
 */
export function createApiClient<Media extends MediaType = 'application/json'>(
  options: ApiClientOptions,
): ApiClient<Media> {
  const client = createClient<paths, Media>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const { token } = options;
  if (token !== undefined) {
    client.use({
      async onRequest({ request }) {
        const value = typeof token === 'function' ? await token() : token;
        if (value) request.headers.set('authorization', `Bearer ${value}`);
        return request;
      },
    });
  }
  return client;
}
