/** Bodies of the data-quality routes. */
import * as z from 'zod/mini';
import { nullableNumber, nullableString } from './fields.ts';

/** The checks a run's data-quality report holds, in report order. */
export const qualityCheckNameSchema = z.enum([
  'completeness',
  'freshness',
  'outliers',
  'duplicates',
  'drift',
]);
const qualityStatus = z.enum(['pass', 'warn', 'fail']);

/** One check's result, plus how many failing partners are listed. */
export const qualityCheckSchema = z.object({
  check: qualityCheckNameSchema,
  metric: nullableString,
  severity: z.enum(['warn', 'fail']).check(z.describe('The status the check gives when it fails.')),
  observed: nullableNumber,
  threshold: z.number(),
  status: qualityStatus,
  failing: z.number().check(z.describe('How many partners fail the check.')),
  listed: z.number().check(z.describe('How many of them the failures route lists (at most 100,000).')),
});
export type QualityCheck = z.infer<typeof qualityCheckSchema>;

/** `GET /quality/latest`. */
export const qualityReportSchema = z.object({
  runId: z.string(),
  status: qualityStatus,
  checks: z.array(qualityCheckSchema),
});
export type QualityReportBody = z.infer<typeof qualityReportSchema>;

/** A failing partner: its id, name and the value that failed. */
export const qualityFailureSchema = z.object({
  partnerId: z.string(),
  name: z.string(),
  value: z
    .union([z.number(), z.string(), z.null()])
    .check(z.describe('The failing value: null when missing, the age in days, or the matched name.')),
});
export type QualityFailure = z.infer<typeof qualityFailureSchema>;

export const qualityFailuresSchema = z.object({
  items: z.array(qualityFailureSchema),
  nextCursor: nullableString,
});
export type QualityFailures = z.infer<typeof qualityFailuresSchema>;
