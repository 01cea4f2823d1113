import { recordAudit } from '#core/audit/audit-log.ts';
import { type LeadWorkflowDeps, WORKFLOW_PRINCIPAL } from '../deps.ts';

/**
 * Step `expire-<attempt>`: the deadline passed without a callback; `open → expired` on the offer,
 * conditionally: an answer that won the race (its callback not yet delivered) is what counts.
 */
export async function expireStep(
  deps: LeadWorkflowDeps,
  partnerId: string,
  offerId: string,
): Promise<'accepted' | 'declined' | 'expired'> {
  const at = new Date(deps.now()).toISOString();
  const { offer, changed } = await deps.leads.answerOffer(partnerId, offerId, 'expired', at);
  if (changed) {
    await recordAudit(
      deps.audit,
      { principal: WORKFLOW_PRINCIPAL, at: deps.now(), id: `${offerId}.expire` },
      {
        action: 'lead.expire',
        target: `lead/${offerId.split('.')[0] ?? ''}`,
        detail: { offerId, partnerId },
      },
    );
    return 'expired';
  }
  const outcome = offer?.outcome;
  return outcome === 'accepted' || outcome === 'declined' ? outcome : 'expired';
}
