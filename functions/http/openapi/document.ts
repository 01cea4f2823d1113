/**
 * Builds the OpenAPI 3.1 document of the HTTP API from the route table (`ROUTES`: paths, methods,
 * scopes) and the route descriptions (`ROUTE_DOCS`: the zod schemas of queries, bodies and
 * responses), with zod's own JSON Schema output. `npm run openapi` writes it to docs/openapi.json,
 * which the query function serves at `GET /openapi.json`.
 */
import * as z from 'zod/mini';
import * as responseSchemas from '#core/api/response.schema.ts';
import { ROUTES, type RouteSpec, routeKey } from '../../routes.ts';
import { type DescribedRoute, ROUTE_DOCS, type RouteDoc, type Tag } from './route-docs.ts';

type JsonSchema = Record<string, unknown>;
type Operation = Record<string, unknown>;

/** The security scheme every scoped route names, with its scope as the requirement. */
export const SECURITY_SCHEME = 'jwt';

const TAGS: Record<Tag, string> = {
  Service: 'Health check and this description (open).',
  Partners: 'Partners, their metrics and their explained scores.',
  Rankings: 'The current ranking, paged and filtered.',
  Runs: 'Rescore runs: start one, follow it.',
  Model: 'The scoring model: read, activate, preview.',
  Imports: 'CSV imports through presigned S3 upload URLs.',
  Worklist:
    'Whom to call this week (the worklist) and whether the data can be trusted (the data-quality report).',
  Audit: 'Who wrote what: every write with the token’s subject and client, kept 400 days.',
  Portal:
    'Partner users: the vendor invites and revokes them; a partner user reads its own partner’s scorecard under `/me` (docs/partner-access.md).',
  Leads:
    'Lead distribution: leads offered to eligible partners by weighted share, with caps, deadlines and an audit; partner users answer their offers under `/me/offers` (docs/leads.md).',
};

const authHeaders = {
  'WWW-Authenticate': {
    description: 'Bearer, with `error` and, on 403, the `scope` needed.',
    schema: { type: 'string' },
  },
};

/** Responses many routes share, kept once under `components.responses`. */
const COMMON_RESPONSES = {
  BadRequest: {
    status: 400,
    description:
      'Bad input (a parameter, the body, or a body that is not valid JSON): `errors[].path` is a JSON pointer to each failing field (`/query/limit`, `/path/id`, `/partners/3/metrics/sales`).',
  },
  Unauthorized: {
    status: 401,
    description:
      'No token, or one that is not valid: expired, from another issuer, for another audience, badly signed (API Gateway’s JWT authorizer, `application/json`); on a `/me` route, no partner user’s access token (the function, problem+json).',
    auth: true,
  },
  Forbidden: {
    status: 403,
    description:
      'The token lacks the route’s scope (API Gateway’s JWT authorizer, `application/json`), or the identity may not use the route (the function, problem+json): a partner user on a vendor route, the vendor on a `/me` route, a revoked partner user, a partner viewer on a route for partner admins.',
    auth: true,
  },
  ContentTooLarge: { status: 413, description: 'The body is over 6 MB.' },
  UnsupportedMediaType: {
    status: 415,
    description: 'A body was sent that is not JSON (send content-type application/json).',
  },
  InternalServerError: { status: 500, description: 'An unexpected error; nothing is revealed. Try again.' },
  ServiceUnavailable: {
    status: 503,
    description: 'A dependency is throttled or down past the retries; try again after `Retry-After` seconds.',
    headers: {
      'Retry-After': { description: 'Seconds to wait before trying again.', schema: { type: 'integer' } },
    },
  },
} as const;

function commonResponses(): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(COMMON_RESPONSES).map(([name, response]) => [
      name,
      'auth' in response
        ? {
            description: response.description,
            headers: authHeaders,
            content: {
              'application/json': { schema: { $ref: '#/components/schemas/AuthError' } },
              'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
            },
          }
        : problemResponse(response.description, 'headers' in response ? { headers: response.headers } : {}),
    ]),
  );
}

/** Names response schemas by their export (`rankingPageSchema` → `RankingPage`). */
function namedResponseSchemas(): Map<z.ZodMiniType, string> {
  const names = new Map<z.ZodMiniType, string>();
  // Sorted: the order of a module namespace's keys differs between runtimes (tsx, vitest).
  for (const [exported, schema] of Object.entries(responseSchemas).sort(([a], [b]) => a.localeCompare(b))) {
    const name = exported.replace(/Schema$/, '');
    names.set(schema as z.ZodMiniType, name.charAt(0).toUpperCase() + name.slice(1));
  }
  return names;
}

/** Converts the schemas of one registry to components, refs between them pointing at components. */
function toComponents(
  named: ReadonlyMap<z.ZodMiniType, string>,
  io: 'input' | 'output',
): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [schema, id] of named) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { io, uri: (id) => `#/components/schemas/${id}` }) as {
    schemas: Record<string, JsonSchema>;
  };
  return Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, strip(schema)]));
}

function strip(schema: JsonSchema): JsonSchema {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

function inline(schema: z.ZodMiniType, io: 'input' | 'output'): JsonSchema {
  return strip(z.toJSONSchema(schema, { io }) as JsonSchema);
}

function operationId(route: RouteSpec): string {
  const words = route.path
    .split('/')
    .filter(Boolean)
    .map((segment) => segment.replace(/^\{(.+)\}$/, 'by-$1').replace(/\.json$/, ''));
  const camel = [route.method.toLowerCase(), ...words]
    .join('-')
    .replace(/-(\w)/g, (_, letter: string) => letter.toUpperCase());
  return camel;
}

function problemResponse(description: string, extra: Record<string, unknown> = {}) {
  return {
    description,
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    ...extra,
  };
}

function pathParameterNames(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as string);
}

function queryParameters(query: z.ZodMiniObject): Operation[] {
  const shape = query._zod.def.shape as Record<string, z.ZodMiniType>;
  return Object.entries(shape).map(([name, schema]) => ({
    name,
    in: 'query',
    required: schema._zod.optin !== 'optional',
    schema: inline(schema, 'input'),
  }));
}

function operation(
  route: RouteSpec,
  doc: RouteDoc,
  names: ReadonlyMap<z.ZodMiniType, string>,
  bodyNames: ReadonlyMap<z.ZodMiniType, string>,
): Operation {
  const schemaOf = (schema: z.ZodMiniType, io: 'input' | 'output') => {
    const name = (io === 'input' ? bodyNames : names).get(schema);
    return name ? { $ref: `#/components/schemas/${name}` } : inline(schema, io);
  };
  const parameters: Operation[] = [];
  for (const name of pathParameterNames(route.path)) {
    const param = doc.pathParameters?.[name];
    if (!param) throw new Error(`${routeKey(route)}: ROUTE_DOCS describes no path parameter {${name}}`);
    parameters.push({
      name,
      in: 'path',
      required: true,
      description: param.description,
      schema: inline(param.schema, 'input'),
    });
  }
  if (doc.query) parameters.push(...queryParameters(doc.query));
  for (const [name, description] of Object.entries(doc.headerParameters ?? {})) {
    parameters.push({ name, in: 'header', required: false, description, schema: { type: 'string' } });
  }

  const responses: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(doc.responses)) {
    const content = response.schema
      ? [response.contentType ?? 'application/json'].flat().map((type) => [type, response.schema])
      : [];
    content.push(...Object.entries(response.alternatives ?? {}));
    responses[status] = {
      description: response.description,
      ...(response.headers
        ? {
            headers: Object.fromEntries(
              Object.entries(response.headers).map(([name, description]) => [
                name,
                { description, schema: { type: 'string' } },
              ]),
            ),
          }
        : {}),
      ...(content.length > 0
        ? {
            content: Object.fromEntries(
              content.map(([type, schema]) => [
                type,
                { schema: schemaOf(schema as z.ZodMiniType, 'output') },
              ]),
            ),
          }
        : {}),
    };
  }
  // Every function parses a body sent to any route, so any route can answer 400, 413 and 415.
  const common: (keyof typeof COMMON_RESPONSES)[] = doc.staticFile
    ? []
    : ['BadRequest', 'ContentTooLarge', 'UnsupportedMediaType'];
  if (route.scope || route.partner) common.push('Unauthorized', 'Forbidden');
  common.push('InternalServerError');
  if (doc.readsData !== false) common.push('ServiceUnavailable');
  for (const name of common)
    responses[COMMON_RESPONSES[name].status] = { $ref: `#/components/responses/${name}` };
  for (const [status, description] of Object.entries(doc.problems ?? {})) {
    responses[status] = problemResponse(description);
  }

  return {
    operationId: operationId(route),
    tags: [doc.tag],
    summary: doc.summary,
    description: route.scope
      ? `${doc.description}\n\nNeeds the scope \`${route.scope}\`; a partner user’s token gets a 403.`
      : route.partner
        ? `${doc.description}\n\nFor partner users: an access token of a user invited to a partner (through the portal’s app client); the vendor’s tokens get a 403, a revoked user a 403 at once.`
        : doc.description,
    security: route.scope
      ? [{ [SECURITY_SCHEME]: [route.scope] }]
      : route.partner
        ? [{ [SECURITY_SCHEME]: [] }]
        : [],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(doc.body
      ? {
          requestBody: {
            required: doc.body.required,
            description: doc.body.description,
            content: { 'application/json': { schema: schemaOf(doc.body.schema, 'input') } },
          },
        }
      : {}),
    responses: Object.fromEntries(Object.entries(responses).sort(([a], [b]) => Number(a) - Number(b))),
  };
}

/** Request bodies named in the document, so clients get a type per body. */
function namedBodies(): Map<z.ZodMiniType, string> {
  const names = new Map<z.ZodMiniType, string>();
  for (const doc of Object.values(ROUTE_DOCS) as RouteDoc[]) {
    if (doc.body?.name) names.set(doc.body.schema, doc.body.name);
  }
  return names;
}

/** The OpenAPI 3.1 document of the HTTP API (contract §3), as a JSON-ready object. */
export function buildOpenApiDocument(version: string): Record<string, unknown> {
  const names = namedResponseSchemas();
  const bodyNames = namedBodies();
  const paths: Record<string, Record<string, Operation>> = {};
  for (const route of ROUTES as readonly RouteSpec[]) {
    const doc = ROUTE_DOCS[routeKey(route) as DescribedRoute] as RouteDoc | undefined;
    if (!doc) throw new Error(`${routeKey(route)} has no entry in ROUTE_DOCS`);
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, Operation>)[route.method.toLowerCase()] = operation(
      route,
      doc,
      names,
      bodyNames,
    );
  }
  return {
    openapi: '3.1.1',
    info: {
      title: 'Partner scoring API',
      version,
      description:
        'Weighted scoring, tiers and rankings of channel partners. Errors are RFC 9457 problem+json; validation errors list `errors[].path` JSON pointers. Every route but the open ones needs a JWT access token (`Authorization: Bearer …`) with the scope the route names: `partners/read` to read, `partners/write` to write. Partner users (contract §3.1) use only the `/me` routes, with their own access token.',
    },
    servers: [{ url: 'http://localhost:3000', description: '`npm start` (local stack)' }],
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      schemas: { ...toComponents(names, 'output'), ...toComponents(bodyNames, 'input') },
      responses: commonResponses(),
      securitySchemes: {
        [SECURITY_SCHEME]: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'An access token from the issuer the stack is deployed with (for Cognito, the client-credentials flow of an app client allowed the scopes). Scopes: `partners/read`, `partners/write`.',
        },
      },
    },
  };
}
