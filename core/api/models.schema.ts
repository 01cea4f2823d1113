/** Bodies of the model routes: the active model, its versions, a candidate's preview. */
import * as z from 'zod/mini';
import { scoringModelSchema } from '../model/scoring-model.ts';
import { isoTime, nullableString } from './fields.ts';

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

/** A partner whose rank or tier differs between the active and the candidate model. */
export const previewMoverSchema = z.object({
  id: z.string(),
  rank: z.number(),
  previewRank: z.number(),
  score: z.number(),
  previewScore: z.number(),
  tier: nullableString,
  previewTier: nullableString,
});
export type PreviewMover = z.infer<typeof previewMoverSchema>;

/** What a preview was computed from. */
export const previewBasisSchema = z
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
  .check(z.describe('what the preview was computed from'));
export type PreviewBasis = z.infer<typeof previewBasisSchema>;

/** `POST /model/preview`: who moves under a candidate model, and what the answer was computed from. */
export const modelPreviewSchema = z.object({
  partners: z.number(),
  /** Partners whose rank or tier changes: `movers` lists the largest moves of them, at most `limit`. */
  moved: z.number(),
  /** Partners whose tier under the candidate differs from their tier under the active model. */
  tierChanges: z.number(),
  movers: z.array(previewMoverSchema),
  basis: previewBasisSchema,
});
export type CurrentPreview = z.infer<typeof modelPreviewSchema>;
