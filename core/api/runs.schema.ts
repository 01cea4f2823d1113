/** Bodies of the run routes. */
import * as z from 'zod/mini';
import { isoTime, nullableNumber } from './fields.ts';

const runStatus = z.enum(['running', 'completed', 'failed']);

/** `POST /rescore`: the run started, or the one already running. */
export const runStartedSchema = z.object({ runId: z.string(), status: runStatus });
export type RunStarted = z.infer<typeof runStartedSchema>;

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

export type RunBody = z.infer<typeof runSchema>;

export const runListSchema = z.object({ items: z.array(runSchema) });
