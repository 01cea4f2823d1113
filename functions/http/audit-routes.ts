import { type AuditEntry, type RecordAuditContext, recordAudit } from '#core/audit/audit-log.ts';
import {
  ConflictError,
  NotFoundError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '#core/errors.ts';
import type { AuditStore } from '#core/ports.ts';
import type { RouteKeyOf } from '../routes.ts';
import type { HttpRequest, HttpResult, RouteHandler } from './http-handler.ts';
import { principalOf } from './principal.ts';

/**
 * What one write route did, from its request and its answer; `result` is `null` when the route
 * failed with a 5xx after it may have written part of its work (a batch upsert throttled midway).
 */
export type AuditDescriber = (request: HttpRequest, result: HttpResult | null) => AuditEntry;

/** Ids of a `POST /partners` batch listed in its audit item; more are counted, not listed. */
export const AUDIT_MAX_IDS = 20;

/**
 * Wraps write routes so that each records one audit item with the caller's principal once it has
 * answered 2xx, or when it failed with a 5xx (`detail.failed`: part of the write may have happened).
 * A 4xx wrote nothing and is not recorded. The audit write comes after the route's own write and
 * before the answer; its failure is logged and counted (see {@link recordAudit}), never the caller's.
 */
export function auditedRoutes<K extends string>(
  audit: AuditStore,
  routes: Partial<Record<K, RouteHandler>>,
  describers: Record<K, AuditDescriber>,
): Partial<Record<K, RouteHandler>> {
  const wrapped: Partial<Record<K, RouteHandler>> = {};
  for (const key of Object.keys(routes) as K[]) {
    const route = routes[key];
    if (!route) continue;
    const describe = describers[key];
    wrapped[key] = async (request) => {
      let result: HttpResult;
      try {
        result = await route(request);
      } catch (error) {
        if (!isClientError(error)) {
          const entry = describe(request, null);
          const failed = error instanceof Error ? error.name : 'Error';
          await recordAudit(audit, contextOf(request), {
            ...entry,
            detail: { ...entry.detail, failed },
          });
        }
        throw error;
      }
      if (result.status >= 200 && result.status < 300) {
        await recordAudit(audit, contextOf(request), describe(request, result));
      }
      return result;
    };
  }
  return wrapped;
}

function contextOf(request: HttpRequest): RecordAuditContext {
  const { requestContext } = request.event;
  return {
    principal: principalOf(request.event),
    at: requestContext.timeEpoch || Date.now(),
    id: requestContext.requestId,
  };
}

function isClientError(error: unknown): boolean {
  return (
    error instanceof ValidationError ||
    error instanceof NotFoundError ||
    error instanceof ConflictError ||
    error instanceof PayloadTooLargeError ||
    error instanceof UnsupportedMediaTypeError
  );
}

type Body = Record<string, unknown>;
const bodyOf = (result: HttpResult | null): Body =>
  result && typeof result.body === 'object' && result.body !== null ? (result.body as Body) : {};
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const numberText = (value: unknown): string | undefined =>
  typeof value === 'number' ? String(value) : undefined;

/** The audit item of each route of the write function (contract §7: every write is recorded). */
export const INGEST_AUDIT: Record<RouteKeyOf<'ingest-api'>, AuditDescriber> = {
  'POST /partners': (request, result) => {
    const results = bodyOf(result).results;
    if (!Array.isArray(results)) {
      const ids = requestedIds(request.body);
      return { action: 'partner.upsert', target: targetOfIds(ids), detail: idsDetail(ids) };
    }
    const statuses: Record<string, number> = {};
    for (const item of results as { status: string }[]) {
      statuses[item.status] = (statuses[item.status] ?? 0) + 1;
    }
    const ids = [...new Set((results as { id: string }[]).map((item) => item.id))];
    return {
      action: 'partner.upsert',
      target: targetOfIds(ids),
      detail: { items: results.length, statuses, ...idsDetail(ids) },
    };
  },
  'DELETE /partners/{id}': (request) => ({
    action: 'partner.delete',
    target: `partner/${request.pathParameters.id ?? ''}`,
  }),
  'PUT /model': (_request, result) => {
    const body = bodyOf(result);
    const version = numberText(body.version);
    return {
      action: 'model.update',
      target: version ? `model/${version}` : 'model',
      detail: text(body.runId) ? { runId: body.runId } : {},
    };
  },
  'POST /model/versions/{version}/activate': (request, result) => {
    const body = bodyOf(result);
    const version = numberText(body.version);
    return {
      action: 'model.activate',
      target: version ? `model/${version}` : 'model',
      detail: {
        activated: request.pathParameters.version ?? null,
        ...(text(body.runId) ? { runId: body.runId } : {}),
      },
    };
  },
  'POST /rescore': (_request, result) => {
    const body = bodyOf(result);
    return {
      action: 'run.request',
      target: text(body.runId) ? `run/${body.runId}` : 'run',
      detail: text(body.status) ? { status: body.status } : {},
    };
  },
  'POST /imports': (_request, result) => {
    const body = bodyOf(result);
    return {
      action: 'import.create',
      target: text(body.importId) ? `import/${body.importId}` : 'import',
      detail: text(body.expiresAt) ? { uploadUrlExpiresAt: body.expiresAt } : {},
    };
  },
  'POST /worklist/{itemId}/actions': (request) => {
    const body = typeof request.body === 'object' && request.body !== null ? (request.body as Body) : {};
    return {
      action: 'worklist.action',
      target: `worklist/${request.pathParameters.itemId ?? ''}`,
      detail: {
        ...(text(body.action) ? { action: body.action } : {}),
        ...(text(body.until) ? { until: body.until } : {}),
      },
    };
  },
  'POST /partners/{id}/users': (_request, result) => invited(result),
  'POST /me/users': (_request, result) => invited(result),
  'DELETE /partners/{id}/users/{userId}': (request) => ({
    action: 'user.revoke',
    target: `user/${request.pathParameters.userId ?? ''}`,
    detail: { partnerId: request.pathParameters.id ?? null },
  }),
  'DELETE /me/users/{userId}': (request) => ({
    action: 'user.revoke',
    target: `user/${request.pathParameters.userId ?? ''}`,
  }),
  'PUT /worklist/config': (request) => ({
    action: 'worklist.config',
    target: 'worklist/config',
    detail: typeof request.body === 'object' && request.body !== null ? (request.body as Body) : {},
  }),
};

/** The audit item of each write of the lead distribution (leads-api). */
export const LEADS_AUDIT: Record<Exclude<RouteKeyOf<'leads-api'>, `GET ${string}`>, AuditDescriber> = {
  'PUT /distribution/policy': (request) => ({
    action: 'distribution.policy',
    target: 'distribution/policy',
    detail: typeof request.body === 'object' && request.body !== null ? (request.body as Body) : {},
  }),
  'POST /leads': (request, result) => {
    const body = bodyOf(result);
    const requested = typeof request.body === 'object' && request.body !== null ? (request.body as Body) : {};
    const offer = body.offer as Body | null | undefined;
    return {
      action: 'lead.create',
      target: text(body.leadId) ? `lead/${body.leadId}` : 'lead',
      detail: {
        ...(text(requested.externalId) ? { externalId: requested.externalId } : {}),
        ...(text(body.status) ? { status: body.status } : {}),
        ...(offer && text(offer.partnerId) ? { partnerId: offer.partnerId, offerId: offer.offerId } : {}),
      },
    };
  },
  'POST /leads/{leadId}/assign': (request) => {
    const requested = typeof request.body === 'object' && request.body !== null ? (request.body as Body) : {};
    return {
      action: 'lead.assign',
      target: `lead/${request.pathParameters.leadId ?? ''}`,
      detail: text(requested.partnerId) ? { partnerId: requested.partnerId } : {},
    };
  },
  'POST /me/offers/{offerId}/accept': (request, result) => answered('lead.accept', request, result),
  'POST /me/offers/{offerId}/decline': (request, result) => answered('lead.decline', request, result),
};

/** A partner user's answer to an offer: the lead, the offer and the partner. */
function answered(
  action: 'lead.accept' | 'lead.decline',
  request: HttpRequest,
  result: HttpResult | null,
): AuditEntry {
  const offerId = request.pathParameters.offerId ?? '';
  const body = bodyOf(result);
  return {
    action,
    target: `lead/${offerId.split('.')[0] ?? ''}`,
    detail: { offerId, ...(text(body.partnerId) ? { partnerId: body.partnerId } : {}) },
  };
}

/** An invitation's item: the user, its partner and role (never the local stack's password). */
function invited(result: HttpResult | null): AuditEntry {
  const body = bodyOf(result);
  return {
    action: 'user.invite',
    target: text(body.userId) ? `user/${body.userId}` : 'user',
    detail: {
      ...(text(body.partnerId) ? { partnerId: body.partnerId } : {}),
      ...(text(body.email) ? { email: body.email } : {}),
      ...(text(body.role) ? { role: body.role } : {}),
    },
  };
}

/** One partner's target, or the collection's when the request wrote several (or none is known). */
function targetOfIds(ids: string[]): string {
  return ids.length === 1 ? `partner/${ids[0]}` : 'partners';
}

function idsDetail(ids: string[]): Body {
  return {
    ids: ids.slice(0, AUDIT_MAX_IDS),
    ...(ids.length > AUDIT_MAX_IDS ? { idsNotListed: ids.length - AUDIT_MAX_IDS } : {}),
  };
}

/** The distinct ids a `POST /partners` body names (one object or `{partners: […]}`). */
function requestedIds(body: unknown): string[] {
  if (typeof body !== 'object' || body === null) return [];
  const list = Array.isArray((body as Body).partners) ? ((body as Body).partners as unknown[]) : [body];
  const ids = list.flatMap((item) =>
    typeof item === 'object' && item !== null && typeof (item as Body).id === 'string'
      ? [(item as Body).id as string]
      : [],
  );
  return [...new Set(ids)];
}
