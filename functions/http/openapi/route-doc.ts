/**
 * What a route's description for the OpenAPI document holds, and the pieces several groups of
 * routes share. The descriptions themselves are one file per group of routes, joined in
 * `route-docs.ts`.
 */
import * as z from 'zod/mini';
import type { HttpFunctionName, RouteKeyOf } from '../../routes.ts';

export type Tag =
  | 'Service'
  | 'Partners'
  | 'Rankings'
  | 'Runs'
  | 'Model'
  | 'Imports'
  | 'Worklist'
  | 'Audit'
  | 'Portal'
  | 'Leads';

export interface ResponseDoc {
  description: string;
  /** Body schema; none for an empty body (204). */
  schema?: z.ZodMiniType;
  /** Default `application/json`; several when the body's type varies. */
  contentType?: string | string[];
  /** Other representations of the same answer by content type (`text/csv`). */
  alternatives?: Record<string, z.ZodMiniType>;
  /** Response headers by name, with what they hold. */
  headers?: Record<string, string>;
}

export interface RouteDoc {
  tag: Tag;
  summary: string;
  description: string;
  /** One entry per `{name}` of the path. */
  pathParameters?: Record<string, { description: string; schema: z.ZodMiniType }>;
  /** Request headers the route reads, with what they do. */
  headerParameters?: Record<string, string>;
  /** The query schema the handler parses with. */
  query?: z.ZodMiniObject;
  /** The body schema, named as a component (`PartnerUpsertBody`). */
  body?: { name: string; schema: z.ZodMiniType; required: boolean; description: string };
  /** Successful answers by status. */
  responses: Record<number, ResponseDoc>;
  /** Problem answers besides the common ones (400 for bad input, 500, and 503 where data is read). */
  problems?: Record<number, string>;
  /** `false` for routes that read no stored data (so no 503 from a throttled table). */
  readsData?: boolean;
  /** `true` for the console's static files: no body is parsed (no 400, 413, 415). */
  staticFile?: boolean;
}

/** The `{id}` path parameter of the partner routes. */
export const partnerId = {
  description: 'Partner id: 1–128 characters, no control characters (URL-encoded in the path).',
  schema: z.string().check(z.minLength(1), z.maxLength(128)),
};

/** What an `ETag` response header holds. */
export const ETAG =
  'Version of this answer: send it back as `If-None-Match` to get a 304 while nothing changed.';
/** What an `If-None-Match` request header does. */
export const IF_NONE_MATCH = 'An `ETag` of an earlier answer: a 304 with no body while it still matches.';
/** The 304 of a route with an ETag. */
export const NOT_MODIFIED: ResponseDoc = {
  description: 'Nothing changed since the `If-None-Match` ETag.',
  headers: { ETag: ETAG },
};

/** The key of each route of `ROUTES` (`"GET /partners/{id}"`), exactly those. */
export type DescribedRoute = RouteKeyOf<HttpFunctionName>;

/** The descriptions of a group of routes (one file per group, all joined in `route-docs.ts`). */
export type RouteDocs = Partial<Record<DescribedRoute, RouteDoc>>;
