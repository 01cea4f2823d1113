import * as z from 'zod/mini';
import { LEAD_STATUSES } from '#core/api/lead-response.schema.ts';
import { cursorParam, limitParam } from './query-params.ts';

/** `GET /leads`: filters and paging. */
export const leadListQuery = z.object({
  status: z.optional(z.enum(LEAD_STATUSES, `must be one of ${LEAD_STATUSES.join(', ')}`)),
  partnerId: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
  limit: limitParam(100),
  cursor: cursorParam,
});

/** `GET /distribution/audit`: the period, a calendar month (UTC). */
export const auditPeriodQuery = z.object({
  period: z.optional(z.string().check(z.regex(/^[0-9]{4}-(0[1-9]|1[0-2])$/, 'must be a month, 2026-12'))),
});
