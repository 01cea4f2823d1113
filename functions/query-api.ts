import { createHttpHandler, type RouteHandler } from './http/http-handler.ts';

/** The read-only HTTP routes (contract §3): health, rankings, partner reads, runs, model. */
export function createHandler(): ReturnType<typeof createHttpHandler> {
  const routes: Record<string, RouteHandler> = {
    'GET /health': async () => ({ status: 200, body: { status: 'ok' } }),
  };
  return createHttpHandler(routes);
}

export const handler = createHandler();
