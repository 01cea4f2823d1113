import type { LeadWorkflowDeps } from '../deps.ts';

/**
 * The submitter of `answer-<attempt>`: stores the durable callback's id on the offer, where
 * `POST /me/offers/{offerId}/accept|decline` finds it to wake the workflow.
 */
export async function storeCallback(
  deps: LeadWorkflowDeps,
  partnerId: string,
  offerId: string,
  callbackId: string,
): Promise<void> {
  await deps.leads.setCallback(partnerId, offerId, callbackId);
}
