/** Bodies of the ranking routes: ranking pages and a run's movers. */
import * as z from 'zod/mini';
import { isoTime, nullableNumber, nullableString } from './fields.ts';

/** One partner of a ranking: a row of `GET /rankings`, and an entry of a run's stored ranking lists. */
export const rankingEntrySchema = z.object({
  rank: z.number(),
  id: z.string(),
  name: z.string(),
  score: z.number(),
  tier: nullableString,
  /** Rank in the previous completed run; `null` for a partner new to the ranking. */
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
});
export type RankingEntry = z.infer<typeof rankingEntrySchema>;

/** `GET /rankings`: one page of the current run's ranking. */
export const rankingPageSchema = z.object({
  runId: nullableString,
  modelVersion: nullableNumber,
  scoredAt: z.nullable(isoTime),
  stale: z.boolean(),
  items: z.array(rankingEntrySchema),
  nextCursor: nullableString,
});
export type RankingResponse = z.infer<typeof rankingPageSchema>;

/** One partner whose rank or tier changed between a run and the run before it. */
export const moverSchema = z.object({
  id: z.string(),
  name: z.string(),
  rank: z.number(),
  previousRank: z.number(),
  score: z.number(),
  previousScore: z.number(),
  tier: nullableString,
  previousTier: nullableString,
});
export type Mover = z.infer<typeof moverSchema>;

export const moversSchema = z.object({ items: z.array(moverSchema) });
