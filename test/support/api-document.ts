import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import document from '../../docs/openapi.json' with { type: 'json' };

/** A response as the tests see it: status, headers (lowercase names) and the parsed body. */
export interface ReceivedResponse {
  status: number;
  headers: Record<string, string | undefined>;
  body: unknown;
}

interface MediaType {
  schema: Record<string, unknown>;
}
interface ResponseObject {
  content?: Record<string, MediaType>;
}
interface Operation {
  responses: Record<string, ResponseObject | { $ref: string }>;
}

const sharedResponses = document.components.responses as unknown as Record<string, ResponseObject>;

/** A response object, or the one under `components.responses` that it refers to. */
function resolve(response: ResponseObject | { $ref: string } | undefined): ResponseObject | undefined {
  if (response && '$ref' in response) {
    return sharedResponses[response.$ref.replace('#/components/responses/', '')];
  }
  return response;
}

const paths = document.paths as unknown as Record<string, Record<string, Operation>>;
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
const validators = new Map<string, ValidateFunction>();

/** Whether docs/openapi.json describes the route (`"GET /partners/{id}"`). */
export function isDocumentedRoute(routeKey: string): boolean {
  const [method = '', path = ''] = routeKey.split(' ');
  return paths[path]?.[method.toLowerCase()] !== undefined;
}

function validator(key: string, schema: Record<string, unknown>): ValidateFunction {
  let validate = validators.get(key);
  if (!validate) {
    // The components ride along at the root, so `#/components/schemas/…` refs resolve.
    validate = ajv.compile({ ...schema, components: document.components });
    validators.set(key, validate);
  }
  return validate;
}

/**
 * Checks a response of the HTTP API against docs/openapi.json: the route must be described, the
 * status must be one of its responses, the content type one of that response's, and the body must
 * match its schema. Throws with what differs, so a test that received it fails.
 */
export function assertDocumentedResponse(routeKey: string, response: ReceivedResponse): void {
  const [method = '', path = ''] = routeKey.split(' ');
  const operation = paths[path]?.[method.toLowerCase()];
  if (!operation) throw new Error(`${routeKey} is not in docs/openapi.json: describe it (npm run openapi)`);
  const described = resolve(operation.responses[String(response.status)]);
  if (!described) {
    throw new Error(
      `${routeKey} answered ${response.status}, which docs/openapi.json does not describe for it: ${JSON.stringify(response.body)}`,
    );
  }
  const contentType = (response.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
  if (response.body === undefined || response.body === '') {
    if (described.content && response.status !== 304) {
      throw new Error(`${routeKey} ${response.status} has no body, but the document describes one`);
    }
    return;
  }
  const media = described.content?.[contentType];
  if (!media) {
    throw new Error(
      `${routeKey} ${response.status} answered ${contentType || 'no content type'}; the document says ${Object.keys(described.content ?? {}).join(', ') || 'no body'}`,
    );
  }
  const validate = validator(`${routeKey} ${response.status} ${contentType}`, media.schema);
  if (!validate(response.body)) {
    throw new Error(
      `${routeKey} ${response.status}: the body does not match docs/openapi.json: ${ajv.errorsText(validate.errors)}\nbody: ${JSON.stringify(response.body).slice(0, 2000)}`,
    );
  }
}
