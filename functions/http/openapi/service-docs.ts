import * as z from 'zod/mini';
import { auditPageSchema, healthSchema, openApiDocumentSchema } from '#core/api/response.schema.ts';
import { auditQuery, MAX_AUDIT_LIMIT } from '../routes/audit.ts';
import type { RouteDocs } from './route-doc.ts';

/** The service itself: health, the console's files, this document, the audit trail. */
export const SERVICE_DOCS = {
  'GET /health': {
    tag: 'Service',
    summary: 'Health check',
    description: 'Answers without touching any data; open, no token needed.',
    responses: { 200: { description: 'The service answers.', schema: healthSchema } },
    readsData: false,
  },
  'GET /': {
    tag: 'Service',
    summary: 'The web console',
    description: 'The web UI for the channel team (HTML); it calls this API with a bearer token. Open.',
    responses: { 200: { description: 'The console page.', schema: z.string(), contentType: 'text/html' } },
    readsData: false,
    staticFile: true,
  },
  'GET /assets/{file}': {
    tag: 'Service',
    summary: 'A file of the web console',
    description: 'Content-hashed JavaScript, CSS and images of the console, cached as immutable. Open.',
    pathParameters: { file: { description: 'A file name index.html links.', schema: z.string() } },
    responses: {
      200: {
        description: 'The file, its content type by its extension.',
        schema: z.string(),
        contentType: ['text/javascript', 'text/css', 'image/svg+xml'],
      },
    },
    problems: { 404: 'No such file (reload the page: the console was updated).' },
    readsData: false,
    staticFile: true,
  },
  'GET /openapi.json': {
    tag: 'Service',
    summary: 'This OpenAPI document',
    description: 'The OpenAPI 3.1 description of the API; open, no token needed.',
    responses: { 200: { description: 'The document.', schema: openApiDocumentSchema } },
    readsData: false,
  },
  'GET /docs': {
    tag: 'Service',
    summary: 'The API reference as a web page',
    description: 'This document rendered as HTML, self-contained; open, no token needed.',
    responses: {
      200: { description: 'The reference page.', schema: z.string(), contentType: 'text/html' },
    },
    readsData: false,
  },
  'GET /audit': {
    tag: 'Audit',
    summary: 'The write log: who changed what',
    description: `Every write, newest first, with the caller: \`subject\` and \`clientId\` are the token's \`sub\` and \`client_id\` (an S3 upload's principal for a file written straight to the bucket). Actions: \`partner.upsert\` (one item per request; target \`partner/<id>\`, or \`partners\` with the ids, at most 20, in \`detail\`), \`partner.delete\`, \`model.update\`, \`model.activate\`, \`run.request\`, \`import.create\`, \`import.upload\`. \`action\` and \`target\` filter (exact match, both together allowed); \`limit\` 1–${MAX_AUDIT_LIMIT} (default 50). A page may hold fewer than \`limit\` items: follow \`nextCursor\` until it is null. A cursor only continues the query (filters) it came from. Items are kept 400 days.`,
    query: auditQuery,
    responses: { 200: { description: 'A page of the write log.', schema: auditPageSchema } },
  },
} satisfies RouteDocs;
