/** The body of the audit log's route. */
import * as z from 'zod/mini';
import { isoTime, nullableString } from './fields.ts';

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
