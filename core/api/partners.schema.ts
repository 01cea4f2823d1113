/** Bodies of the partner routes: upserts, a partner with its score, search, history. */
import * as z from 'zod/mini';
import { isoTime, nullableNumber, nullableString } from './fields.ts';

/** One partner of a `POST /partners` answer: what its write did, and its provisional score. */
export const upsertResultSchema = z.object({
  id: z.string(),
  status: z.enum(['created', 'updated', 'unchanged', 'stale']),
  /** Provisional score against the current run's statistics; null before any run or when stale. */
  score: nullableNumber,
  tier: nullableString,
  provisional: z.boolean(),
});
export type UpsertResult = z.infer<typeof upsertResultSchema>;

export const upsertResultsSchema = z.object({ results: z.array(upsertResultSchema) });

/** The `score` object of `GET /partners/{id}`: the score with what explains it. */
export const partnerScoreSchema = z.object({
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
});
export type PartnerScore = z.infer<typeof partnerScoreSchema>;

/** `GET /partners/{id}`: the stored partner, its metrics under the model's names, and its score. */
export const partnerViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  type: nullableString,
  region: nullableString,
  /** Values under the model's metric names (`communicationFrequency`). */
  metrics: z.record(z.string(), z.number()),
  asOf: isoTime,
  score: partnerScoreSchema,
});
export type PartnerView = z.infer<typeof partnerViewSchema>;

/** A partner as the search returns it. */
export const searchItemSchema = z.object({
  id: z.string(),
  name: z.string(),
  type: nullableString,
  region: nullableString,
});
export type SearchItem = z.infer<typeof searchItemSchema>;

export const partnerSearchSchema = z.object({
  items: z.array(searchItemSchema),
  nextCursor: nullableString,
});
export type PartnerSearch = z.infer<typeof partnerSearchSchema>;

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
