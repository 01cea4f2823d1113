/**
 * The HTTP API's response bodies as zod/mini schemas (contract §3). They are the source of the
 * OpenAPI document's response schemas, and the test suites validate every response they receive
 * against that document, so a handler that answers something else fails a test.
 */
import * as z from 'zod/mini';
import { scoringModelSchema } from '../model/scoring-model.ts';

const nullableString = z.nullable(z.string());
const nullableNumber = z.nullable(z.number());
const isoTime = z.string().check(z.describe('ISO-8601 date-time'));

/** One failing field of a request, a model or a row: a JSON pointer and what is expected there. */
export const fieldErrorSchema = z.object({
  path: z.string().check(z.describe('JSON pointer into the request (`/partners/3/metrics/sales`)')),
  message: z.string(),
});

/** RFC 9457 problem details: the body of every error the functions answer. */
export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number(),
  detail: z.string(),
  errors: z.optional(z.array(fieldErrorSchema).check(z.describe('at most the first 100 errors'))),
  errorsOmitted: z.optional(
    z.number().check(z.describe('how many errors past the first 100 are not listed (absent when none)')),
  ),
});

/** What API Gateway's JWT authorizer answers on 401 and 403 (it cannot send problem+json). */
export const authErrorSchema = z.object({ message: z.string() });

export const healthSchema = z.object({ status: z.literal('ok') });

export const upsertResultsSchema = z.object({
  results: z.array(
    z.object({
      id: z.string(),
      status: z.enum(['created', 'updated', 'unchanged', 'stale']),
      score: nullableNumber,
      tier: nullableString,
      provisional: z.boolean(),
    }),
  ),
});

export const partnerViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  type: nullableString,
  region: nullableString,
  metrics: z.record(z.string(), z.number()),
  asOf: isoTime,
  score: z.object({
    value: nullableNumber,
    tier: nullableString,
    rank: nullableNumber,
    percentile: nullableNumber,
    provisional: z.boolean(),
    modelVersion: z.number(),
    runId: nullableString,
    coverage: nullableNumber,
    nextTier: z.nullable(z.object({ name: z.string(), pointsNeeded: z.number() })),
    breakdown: z.array(
      z.object({
        metric: z.string(),
        group: z.string(),
        raw: nullableNumber,
        normalized: nullableNumber,
        weight: z.number(),
        contribution: z.number(),
      }),
    ),
    groups: z.nullable(z.object({ business: z.number(), relationship: z.number() })),
  }),
});

export const partnerSearchSchema = z.object({
  items: z.array(
    z.object({ id: z.string(), name: z.string(), type: nullableString, region: nullableString }),
  ),
  nextCursor: nullableString,
});

export const historySchema = z.object({
  items: z.array(
    z.object({
      runId: z.string(),
      scoredAt: isoTime,
      score: z.number(),
      rank: z.number(),
      tier: nullableString,
    }),
  ),
});

export const rankingPageSchema = z.object({
  runId: nullableString,
  modelVersion: nullableNumber,
  scoredAt: z.nullable(isoTime),
  stale: z.boolean(),
  items: z.array(
    z.object({
      rank: z.number(),
      id: z.string(),
      name: z.string(),
      score: z.number(),
      tier: nullableString,
      previousRank: nullableNumber,
      region: nullableString,
      type: nullableString,
      coverage: z
        .nullable(z.number())
        .check(
          z.describe(
            'Σ weights of the metrics the partner has / Σ all weights, rounded to 4 decimals (null in runs scored before rankings stored it).',
          ),
        ),
    }),
  ),
  nextCursor: nullableString,
});

const runStatus = z.enum(['running', 'completed', 'failed']);

export const runStartedSchema = z.object({ runId: z.string(), status: runStatus });

export const runSchema = z.object({
  runId: z.string(),
  status: runStatus,
  startedAt: isoTime,
  finishedAt: z.nullable(isoTime),
  partners: nullableNumber,
  modelVersion: z.number(),
  tierChanges: nullableNumber,
  tiers: z.optional(
    z.record(z.string(), z.number()).check(z.describe('A completed run’s partners per tier.')),
  ),
  quality: z.optional(
    z
      .enum(['pass', 'warn', 'fail'])
      .check(z.describe('The overall status of the run’s data-quality report (GET /quality/latest).')),
  ),
});

export const runListSchema = z.object({ items: z.array(runSchema) });

export const moversSchema = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      rank: z.number(),
      previousRank: z.number(),
      score: z.number(),
      previousScore: z.number(),
      tier: nullableString,
      previousTier: nullableString,
    }),
  ),
});

/** `GET /model`: the active model with defaults filled, plus its version. */
export const activeModelSchema = z.extend(scoringModelSchema, { version: z.number() });

export const modelActivatedSchema = z.object({ version: z.number(), runId: z.string() });

export const modelVersionsSchema = z.object({
  items: z.array(
    z.object({
      version: z.number(),
      activatedAt: z.nullable(isoTime).check(z.describe('null for the built-in version 1')),
    }),
  ),
});

export const modelPreviewSchema = z.object({
  partners: z.number(),
  tierChanges: z.number(),
  movers: z.array(
    z.object({
      id: z.string(),
      rank: z.number(),
      previewRank: z.number(),
      score: z.number(),
      previewScore: z.number(),
      tier: nullableString,
      previewTier: nullableString,
    }),
  ),
  basis: z
    .object({
      source: z
        .enum(['snapshot', 'partners'])
        .check(
          z.describe(
            "snapshot: the current run's snapshot of every partner plus the partners written since, read afresh; partners: every partner read from the store (no run yet, the snapshot expired, a model names a metric the snapshot lacks, or more than a quarter of the partners changed)",
          ),
        ),
      runId: nullableString.check(
        z.describe('the run whose tiers hysteresis holds (and whose snapshot was read); null before any run'),
      ),
      changedPartners: z
        .nullable(z.number())
        .check(
          z.describe(
            'for snapshot: partners written after the run started (or up to 20 minutes before), read afresh: created, updated and deleted ones; null for partners',
          ),
        ),
    })
    .check(z.describe('what the preview was computed from')),
});

export const importCreatedSchema = z.object({
  importId: z.string(),
  uploadUrl: z.string().check(z.describe('presigned S3 PUT URL: send the CSV with content-type text/csv')),
  expiresAt: isoTime,
});

export const importStatusSchema = z.object({
  importId: z.string(),
  status: z.enum(['pending', 'processing', 'completed', 'failed']),
  rowsTotal: z.number(),
  rowsImported: z.number(),
  rowsRejected: z.number(),
  warnings: z.array(z.string()),
  errors: z.array(z.object({ line: z.number(), column: nullableString, message: z.string() })),
  errorReport: z.nullable(z.string().check(z.describe('presigned GET URL of the CSV of every rejected row'))),
  createdAt: isoTime,
  updatedAt: isoTime,
});

export const importListSchema = z.object({ items: z.array(importStatusSchema) });

/** `GET /audit`: one page of the write log, newest first. */
export const auditPageSchema = z.object({
  items: z.array(
    z.object({
      at: isoTime,
      action: z.string().check(z.describe('What was done: partner.upsert, partner.delete, model.update, …')),
      target: z.string().check(z.describe('What was written: partner/<id>, partners, model/<version>, …')),
      subject: z.string().check(z.describe("The token's sub (`local` locally without LOCAL_AUTH)")),
      clientId: z.nullable(z.string().check(z.describe("The token's client_id (null for an S3 principal)"))),
      detail: z.record(z.string(), z.unknown()),
    }),
  ),
  nextCursor: nullableString,
});

/** The OpenAPI document itself (`GET /openapi.json`): only its outline is checked. */
export const openApiDocumentSchema = z.looseObject({
  openapi: z.string(),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
});

const worklistReason = z.enum(['TIER_AT_RISK', 'NEAR_NEXT_TIER', 'DROPPING', 'STALE']);
const worklistSeverity = z.enum(['high', 'medium', 'low']);

/** One worklist item (contract §3.2). */
export const worklistItemSchema = z.object({
  itemId: z.string(),
  partnerId: z.string(),
  name: z.string(),
  tier: nullableString,
  score: nullableNumber,
  reason: worklistReason,
  severity: worklistSeverity,
  openedAt: isoTime,
  detail: z
    .record(z.string(), z.union([z.number(), z.string()]))
    .check(
      z.describe(
        'Why: TIER_AT_RISK {tier, minScore, margin}; NEAR_NEXT_TIER {nextTier, pointsNeeded}; DROPPING {change, scoreThen, runsBack}; STALE {days}.',
      ),
    ),
  state: z
    .enum(['open', 'snoozed', 'dismissed', 'done'])
    .check(z.describe('`done` only in the answer to a done action.')),
  snoozedUntil: z.nullable(isoTime),
});

export const worklistPageSchema = z.object({
  runId: nullableString,
  items: z.array(worklistItemSchema),
  nextCursor: nullableString,
});

export const qualityReportSchema = z.object({
  runId: z.string(),
  status: z.enum(['pass', 'warn', 'fail']),
  checks: z.array(
    z.object({
      check: z.enum(['completeness', 'freshness', 'outliers', 'duplicates', 'drift']),
      metric: nullableString,
      severity: z.enum(['warn', 'fail']).check(z.describe('The status the check gives when it fails.')),
      observed: nullableNumber,
      threshold: z.number(),
      status: z.enum(['pass', 'warn', 'fail']),
      failing: z.number().check(z.describe('How many partners fail the check.')),
      listed: z.number().check(z.describe('How many of them the failures route lists (at most 100,000).')),
    }),
  ),
});

export const qualityFailuresSchema = z.object({
  items: z.array(
    z.object({
      partnerId: z.string(),
      name: z.string(),
      value: z
        .union([z.number(), z.string(), z.null()])
        .check(z.describe('The failing value: null when missing, the age in days, or the matched name.')),
    }),
  ),
  nextCursor: nullableString,
});

/** A partner user (contract §3.1). */
export const partnerUserSchema = z.object({
  userId: z.string().check(z.describe('The user’s `sub` in the sign-in directory')),
  email: z.string(),
  partnerId: z.string(),
  role: z.enum(['viewer', 'admin']),
  status: z.enum(['active', 'revoked']),
  createdAt: isoTime,
  revokedAt: z.nullable(isoTime),
});

export const partnerUserListSchema = z.object({ items: z.array(partnerUserSchema) });

/** The 201 of an invitation; `localPassword` only on the local stack (never on AWS). */
export const invitedUserSchema = z.object({
  ...partnerUserSchema.shape,
  localPassword: z.optional(
    z
      .string()
      .check(z.describe('Local stack only: the password for the local issuer’s sign-in and password grant')),
  ),
});

export const meSchema = z.object({
  userId: z.string(),
  email: z.string(),
  partnerId: z.string(),
  partnerName: z.string(),
  role: z.enum(['viewer', 'admin']),
});

const tenths = z.number().check(z.describe('Rounded to 0.1'));

export const scorecardSchema = z.object({
  partnerId: z.string(),
  name: z.string(),
  tier: nullableString,
  score: z.nullable(z.number().check(z.describe('The own score, floored to 0.1; null before any run'))),
  runId: nullableString,
  scoredAt: z.nullable(isoTime),
  modelVersion: z.number(),
  provisional: z.boolean(),
  percentileBand: z.nullable(
    z.string().check(z.describe('`top 10%`, `top 25%`, `top 50%` or `bottom 50%`; null under 20 partners')),
  ),
  nextTier: z.nullable(z.object({ name: z.string(), pointsNeeded: tenths })),
  marginToDemotion: z.nullable(
    z.number().check(z.describe('score − (held tier’s minScore − tierHysteresis), floored to 0.1')),
  ),
  metrics: z.array(
    z.object({
      metric: z.string(),
      group: z.string(),
      value: nullableNumber,
      points: tenths,
      maxPoints: z.nullable(tenths),
    }),
  ),
  workOn: z.array(z.object({ metric: z.string(), pointsAvailable: tenths })),
  dataAsOf: isoTime,
});

export const scorecardHistorySchema = z.object({
  items: z.array(
    z.object({
      runId: z.string(),
      scoredAt: isoTime,
      score: z.number(),
      tier: nullableString,
      percentileBand: nullableString,
    }),
  ),
  nextCursor: nullableString,
});
