/**
 * The HTTP API's response bodies as zod/mini schemas, one module per concern. They are the one
 * definition of each shape: the OpenAPI document's component schemas are generated from every
 * schema exported here (named after the export: `rankingEntrySchema` → `RankingEntry`), core code
 * that produces a body uses the type inferred from its schema (`z.infer`), and the test suites
 * validate every response they receive against the document, so a handler that answers something
 * else fails a test.
 */
export * from './audit.schema.ts';
export * from './imports.schema.ts';
export * from './models.schema.ts';
export * from './partners.schema.ts';
export * from './portal.schema.ts';
export * from './problem.schema.ts';
export * from './quality.schema.ts';
export * from './rankings.schema.ts';
export * from './runs.schema.ts';
export * from './worklist.schema.ts';
