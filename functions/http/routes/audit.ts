import * as z from 'zod/mini';
import { AUDIT_ACTIONS } from '#core/audit/audit-actions.ts';
import { MAX_AUDIT_TARGET_LENGTH } from '#core/audit/audit-log.ts';
import { type ReadAuditDeps, readAudit } from '#core/audit/read-audit.ts';
import type { RouteHandler } from '../http-handler.ts';
import { cursorParam, limitParam, parseQuery } from './query-params.ts';

/** Most audit items one `GET /audit` page returns. */
export const MAX_AUDIT_LIMIT = 200;

export const auditQuery = z.object({
  action: z.optional(z.enum(AUDIT_ACTIONS, `must be one of ${AUDIT_ACTIONS.join(', ')}`)),
  target: z.optional(
    z.string('must be a target such as partner/p-1, model/3, import/<importId> or partners').check(
      z.minLength(1, 'must not be empty: name a target, or leave target out for every target'),
      z.maxLength(MAX_AUDIT_TARGET_LENGTH, `must be at most ${MAX_AUDIT_TARGET_LENGTH} characters`),
      z.refine((value) => !/\p{Cc}/u.test(value), 'must not contain control characters'),
    ),
  ),
  limit: limitParam(MAX_AUDIT_LIMIT),
  cursor: cursorParam,
});

/** `GET /audit` (query-api): the write log, newest first (docs/audit.md). */
export function auditRoutes(deps: ReadAuditDeps): Record<'GET /audit', RouteHandler> {
  return {
    'GET /audit': async ({ query }) => {
      const { action, target, limit, cursor } = parseQuery(auditQuery, query);
      const page = await readAudit(deps, {
        ...(action === undefined ? {} : { action }),
        ...(target === undefined ? {} : { target }),
        limit: limit === undefined ? 50 : Number(limit),
        ...(cursor === undefined ? {} : { cursor }),
      });
      return { status: 200, body: page };
    },
  };
}
