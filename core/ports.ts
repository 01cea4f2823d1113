/**
 * Ports: what the use cases in `core/` need from the outside world, one module per concern under
 * `core/ports/`, all of them importable from here. Adapters for DynamoDB, S3, EventBridge, Lambda
 * and Cognito live in `core/adapters/` (local stand-ins in `infra/local/`) and implement these
 * interfaces; tests may use in-memory fakes for pure core logic. The modules hold types only; the
 * records they name come from core's domain modules or, where a record is also a response body,
 * from its schema in `core/api/`.
 */
export type * from './ports/audit.ts';
export type * from './ports/imports.ts';
export type * from './ports/models.ts';
export type * from './ports/partners.ts';
export type * from './ports/platform.ts';
export type * from './ports/portal.ts';
export type * from './ports/quality.ts';
export type * from './ports/rankings.ts';
export type * from './ports/runs.ts';
export type * from './ports/worklist.ts';
