/**
 * The Lambda functions of the service and the esbuild options they are bundled with: one source for
 * the CDK function construct and `bench/bundle.ts`, so the bench measures the bundles that deploy.
 * No aws-cdk-lib import here: the bench loads this module without the CDK.
 */
import path from 'node:path';

export const SERVICE_FUNCTION_NAMES = [
  'ingest-api',
  'query-api',
  'preview-api',
  'leads-api',
  'import-csv',
  'rescore',
  'lead',
  'web-console',
] as const;
export type ServiceFunctionName = (typeof SERVICE_FUNCTION_NAMES)[number];

export interface ServiceFunctionSpec {
  description: string;
  memoryMb: number;
  /** One invocation's limit (a durable function's steps each finish inside one). */
  timeoutSeconds: number;
  /**
   * A Lambda durable function (`withDurableExecution` handler): how long one execution may run in
   * all, and how long its history is kept. Invoked through the `live` alias only; locally it runs
   * on the local durable engine (infra/local/durable-engine.ts), executions kept under DATA_DIR.
   */
  durable?: { executionTimeoutHours: number; retentionDays: number };
}

/** Memory and timeout per function, sized to its job (API Gateway stops waiting after 30 s). */
export const SERVICE_FUNCTIONS: Record<ServiceFunctionName, ServiceFunctionSpec> = {
  'ingest-api': {
    description: 'HTTP write routes (partners, model, rescore, imports, worklist, partner users)',
    memoryMb: 1024,
    timeoutSeconds: 29,
  },
  'query-api': {
    description:
      'HTTP read routes (partners, rankings, runs, model, worklist, quality, audit, portal, leads)',
    memoryMb: 1024,
    timeoutSeconds: 29,
  },
  'preview-api': {
    description: 'HTTP model preview (POST /model/preview): every partner scored under two models',
    // Two vCPUs for the scoring threads (Lambda gives one per 1,769 MB); a 1M-partner answer peaks
    // near 1 GB and a 2M one near 1.5 GB (`preview.1m.peakRssMb`, `preview.2m.peakRssMb`).
    memoryMb: 3538,
    timeoutSeconds: 29,
  },
  'leads-api': {
    description: "HTTP lead distribution (policy, leads, decisions, audit of shares, partners' offers)",
    // `POST /leads` chooses the first partner from the current ranking (10,000s, cached per run).
    memoryMb: 1024,
    timeoutSeconds: 29,
  },
  'import-csv': {
    description: 'CSV import from S3 uploads under imports/',
    memoryMb: 1769,
    timeoutSeconds: 900,
    // 5,000,000 rows (the import's limit) at 1,000 rows/s is under 1.5 h.
    durable: { executionTimeoutHours: 12, retentionDays: 14 },
  },
  rescore: {
    description: 'Rescore run: statistics, scores, tiers, ranking pages',
    // The central scoring step of 10M partners peaks at ~4 GB (`rescore.score10m.peakRssMb`).
    memoryMb: 6144,
    timeoutSeconds: 900,
    durable: { executionTimeoutHours: 6, retentionDays: 14 },
  },
  lead: {
    description: 'Lead distribution: one durable execution per lead (offer, wait for the answer, move on)',
    // Holds the current ranking's partners for the weighted choice (10,000s, cached per run).
    memoryMb: 1024,
    timeoutSeconds: 60,
    // The longest deadline is 30 days, times at most 10 offers, plus manual offers: executions are long.
    durable: { executionTimeoutHours: 24 * 365, retentionDays: 14 },
  },
  'web-console': {
    description: 'The web console: static files of the single-page app (GET /, GET /assets/{file})',
    memoryMb: 256,
    timeoutSeconds: 10,
  },
};

/** The functions that run as durable executions. */
export const DURABLE_FUNCTION_NAMES = SERVICE_FUNCTION_NAMES.filter(
  (name) => SERVICE_FUNCTIONS[name].durable !== undefined,
);

/** The alias every trigger and invoker of a durable function targets (durable functions need a qualified ARN). */
export const DURABLE_ALIAS = 'live';

/** The repository root (this file lives in `infra/`). */
export const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');

/**
 * The entry file of a function, exporting `handler`: a durable function's is the `handler.ts` of its
 * workflow folder, `functions/<name>/handler.ts` (beside its `steps/` and `retry.ts`); any other
 * function's is `functions/<name>.ts`.
 */
export function functionEntry(name: ServiceFunctionName): string {
  return SERVICE_FUNCTIONS[name].durable
    ? path.join(PROJECT_ROOT, 'functions', name, 'handler.ts')
    : path.join(PROJECT_ROOT, 'functions', `${name}.ts`);
}

/** Node.js major version of the Lambda runtime; the CDK construct picks the matching `Runtime`. */
export const NODE_MAJOR = 24;

/**
 * esbuild options shared by the CDK bundling and the bundle bench. ESM needs a `require` for the
 * CommonJS dependencies esbuild inlines, hence the `createRequire` banner. `@aws-sdk/*` stays
 * external: the Lambda Node.js runtime ships SDK v3, which keeps each bundle far under 200 KB at the
 * price of running the runtime's SDK version rather than the one pinned in package-lock.json.
 */
export const BUNDLE_OPTIONS = {
  target: `node${NODE_MAJOR}`,
  format: 'esm',
  platform: 'node',
  minify: true,
  sourcemap: true,
  external: ['@aws-sdk/*'],
  mainFields: ['module', 'main'],
  banner: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
} as const;
