import { recordAccept } from '#core/leads/distribution.ts';
import { eventId } from '#core/runs/run-ids.ts';
import type { LeadWorkflowDeps } from '../deps.ts';

/** Step `accept-<attempt>`: counts the accept (idempotent) and publishes `LeadAccepted`. */
export async function acceptStep(
  deps: LeadWorkflowDeps,
  leadId: string,
  attempt: number,
  offer: { offerId: string; partnerId: string },
): Promise<void> {
  await recordAccept(deps, leadId, attempt);
  const id = eventId(leadId, 'LeadAccepted', offer.offerId);
  const stored = await deps.leads.getOffer(offer.partnerId, offer.offerId);
  await deps.events.publish([
    {
      id,
      detailType: 'LeadAccepted',
      time: stored?.answeredAt ?? new Date(deps.now()).toISOString(),
      detail: { eventId: id, leadId, offerId: offer.offerId, partnerId: offer.partnerId },
    },
  ]);
}
