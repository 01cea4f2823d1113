/** Bodies of the import routes. */
import * as z from 'zod/mini';
import { isoTime, nullableString } from './fields.ts';

export const importCreatedSchema = z.object({
  importId: z.string(),
  uploadUrl: z.string().check(z.describe('presigned S3 PUT URL: send the CSV with content-type text/csv')),
  expiresAt: isoTime,
});

/** One rejected CSV row (or file-level problem): 1-based physical line where the row starts. */
export const importRowErrorSchema = z.object({
  line: z.number(),
  column: nullableString,
  message: z.string(),
});
export type ImportRowError = z.infer<typeof importRowErrorSchema>;

export const importStatusSchema = z.object({
  importId: z.string(),
  status: z.enum(['pending', 'processing', 'completed', 'failed']),
  rowsTotal: z.number(),
  rowsImported: z.number(),
  rowsRejected: z.number(),
  warnings: z.array(z.string()),
  errors: z.array(importRowErrorSchema),
  errorReport: z.nullable(z.string().check(z.describe('presigned GET URL of the CSV of every rejected row'))),
  createdAt: isoTime,
  updatedAt: isoTime,
});

export type ImportStatusBody = z.infer<typeof importStatusSchema>;

export const importListSchema = z.object({ items: z.array(importStatusSchema) });
