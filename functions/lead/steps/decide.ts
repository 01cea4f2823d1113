import { recordAudit } from '#core/audit/audit-log.ts';
import {
  decide,
  type LeadDecisionResult,
  type ManualAssignment,
  type Release,
} from '#core/leads/distribution.ts';
import { eventId } from '#core/runs/run-ids.ts';
import { type LeadWorkflowDeps, WORKFLOW_PRINCIPAL } from '../deps.ts';

/** What the `decide-<attempt>` step checkpoints: the decision and the offer's deadline in seconds. */
export interface DecideStepResult extends LeadDecisionResult {
  slaSeconds: number;
}

/**
 * Step `decide-<attempt>`: the decision of this attempt (the weighted choice, a manual offer, or
 * `unassigned`), idempotent per (lead, attempt), then its event (`LeadOffered` or `LeadUnassigned`,
 * the same `eventId` on every send: the lead is the outbox, this step its publisher) and its audit item.
 */
export async function decideStep(
  deps: LeadWorkflowDeps,
  leadId: string,
  attempt: number,
  release: Release | null,
  assign: ManualAssignment | null,
  unassign: string | null,
): Promise<DecideStepResult> {
  const result = await decide(deps, leadId, attempt, release, assign, unassign);
  const lead = await deps.leads.getLead(leadId);
  const entry = lead?.offers.find((offer) => offer.offerId === result.offer?.offerId);
  const at = entry?.offeredAt ?? lead?.updatedAt ?? new Date(deps.now()).toISOString();
  const slaSeconds = entry
    ? Math.max(1, Math.round((Date.parse(entry.expiresAt) - Date.parse(entry.offeredAt)) / 1000))
    : 0;
  if (result.status === 'offered' && result.offer && result.attempt === attempt) {
    const id = eventId(leadId, 'LeadOffered', result.offer.offerId);
    await deps.events.publish([
      {
        id,
        detailType: 'LeadOffered',
        time: at,
        detail: { eventId: id, leadId, ...result.offer, attempt, externalId: lead?.externalId ?? null },
      },
    ]);
    if (release || assign) {
      // The first offer is audited with POST /leads; later ones (and manual ones there) here.
      if (!assign) {
        await recordAudit(
          deps.audit,
          { principal: WORKFLOW_PRINCIPAL, at: Date.parse(at), id: `${result.offer.offerId}.offer` },
          {
            action: 'lead.offer',
            target: `lead/${leadId}`,
            detail: {
              offerId: result.offer.offerId,
              partnerId: result.offer.partnerId,
              after: release?.outcome ?? null,
            },
          },
        );
      }
    }
  }
  if (result.status === 'unassigned') {
    const id = eventId(leadId, 'LeadUnassigned', String(attempt));
    await deps.events.publish([
      {
        id,
        detailType: 'LeadUnassigned',
        time: at,
        detail: {
          eventId: id,
          leadId,
          reason: lead?.unassignedReason ?? null,
          externalId: lead?.externalId ?? null,
        },
      },
    ]);
    await recordAudit(
      deps.audit,
      { principal: WORKFLOW_PRINCIPAL, at: Date.parse(at), id: `${leadId}.${attempt}.unassign` },
      {
        action: 'lead.unassign',
        target: `lead/${leadId}`,
        detail: { reason: lead?.unassignedReason ?? null, attempts: attempt - 1 },
      },
    );
  }
  return { ...result, slaSeconds };
}
