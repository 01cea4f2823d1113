import { ROUTES } from '../routes.ts';

/**
 * The HTTP API's CORS policy, one source for API Gateway (`corsPreflight` of the HttpApi, which also
 * answers the preflight `OPTIONS` itself) and the local gateway of `npm start`, which adds the same
 * headers. The allowed origins come from the deployment (`corsAllowedOrigins`, as for the bucket).
 */
export const CORS_POLICY = {
  /** Every method of the route table. */
  allowMethods: [...new Set(ROUTES.map((route) => route.method))],
  /** What a browser app sends: a bearer token, a JSON body, a conditional GET. */
  allowHeaders: ['authorization', 'content-type', 'if-none-match'],
  /** What it may read besides the simple headers: ETags, CSV part links, 503 advice. */
  exposeHeaders: ['etag', 'link', 'retry-after'],
  maxAgeSeconds: 3600,
} as const;

/**
 * The CORS headers API Gateway puts on an answer to a request from `origin`: none when the origin is
 * not allowed (or absent); for a preflight also the allowed methods, headers and max age.
 */
export function corsHeaders(
  allowedOrigins: readonly string[],
  origin: string | undefined,
  preflight: boolean,
): Record<string, string> {
  if (origin === undefined) return {};
  const any = allowedOrigins.includes('*');
  if (!any && !allowedOrigins.includes(origin)) return {};
  const headers: Record<string, string> = {
    'access-control-allow-origin': any ? '*' : origin,
    ...(any ? {} : { vary: 'origin' }),
  };
  if (preflight) {
    headers['access-control-allow-methods'] = CORS_POLICY.allowMethods.join(',');
    headers['access-control-allow-headers'] = CORS_POLICY.allowHeaders.join(',');
    headers['access-control-max-age'] = String(CORS_POLICY.maxAgeSeconds);
  } else {
    headers['access-control-expose-headers'] = CORS_POLICY.exposeHeaders.join(',');
  }
  return headers;
}
