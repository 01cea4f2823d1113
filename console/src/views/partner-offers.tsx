/**
 * The partner portal's "Offers": the leads offered to the user's partner, each with its deadline,
 * to accept or decline. An offer that expired or was answered meanwhile is said so (the API's 409).
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, type PartnerOffer } from '../api.ts';
import { Deadline, ErrorNote, Panel, useAsync } from '../components.tsx';
import { DataTable } from '../components-table.tsx';
import { fmt } from '../format.ts';

/** Offers are read again this often: a new one, or one that expired, shows without a reload. */
const REFRESH_MS = 15_000;

type Answer = 'accept' | 'decline';

export function PartnerOffers() {
  const offers = useAsync(() => api.myOffers(), []);
  const [busy, setBusy] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<{ text: string } | { error: unknown } | null>(null);
  useEffect(() => {
    const timer = setInterval(offers.reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  const answer = async (offer: PartnerOffer, choice: Answer) => {
    setBusy(offer.offerId);
    setOutcome(null);
    try {
      await (choice === 'accept' ? api.acceptOffer(offer.offerId) : api.declineOffer(offer.offerId));
      setOutcome({
        text: `You ${choice === 'accept' ? 'accepted' : 'declined'} lead ${offer.lead.externalId}.`,
      });
    } catch (error) {
      setOutcome(
        error instanceof ApiError && error.status === 409
          ? { error: new Error(`Lead ${offer.lead.externalId}: this offer expired or was already answered.`) }
          : { error },
      );
    } finally {
      setBusy(null);
      offers.reload();
    }
  };
  const open = (offers.value?.items ?? []).filter((offer) => offer.outcome === 'open');
  return (
    <Panel title="Open offers" id="offers">
      {offers.error ? <ErrorNote error={offers.error} /> : null}
      {outcome && 'error' in outcome ? <ErrorNote error={outcome.error} /> : null}
      <p class="summary" role="status" aria-live="polite" data-testid="offers-status">
        {outcome && 'text' in outcome
          ? outcome.text
          : offers.value
            ? `${fmt.int(open.length)} open offer${open.length === 1 ? '' : 's'}: accept or decline each before its deadline.`
            : 'Loading your offers…'}
      </p>
      <DataTable<PartnerOffer>
        caption="Leads offered to you, with their deadline"
        rows={open}
        rowKey={(offer) => offer.offerId}
        rowAttributes={(offer) => ({ 'data-offer': offer.offerId, 'data-lead': offer.lead.externalId })}
        empty="No open offer. A new lead offered to you shows here."
        columns={[
          { key: 'lead', label: 'Lead', rowHeader: true, cell: (offer) => offer.lead.externalId },
          { key: 'region', label: 'Region', cell: (offer) => offer.lead.region ?? '—' },
          { key: 'type', label: 'Type', cell: (offer) => offer.lead.type ?? '—' },
          { key: 'value', label: 'Value', numeric: true, cell: (offer) => fmt.num(offer.lead.value) },
          { key: 'offered', label: 'Offered', cell: (offer) => fmt.dateTime(offer.offeredAt) },
          { key: 'deadline', label: 'Deadline', cell: (offer) => <Deadline at={offer.expiresAt} /> },
          {
            key: 'answer',
            label: 'Answer',
            cell: (offer) => (
              <span class="offer-actions">
                <button
                  type="button"
                  class="primary"
                  disabled={busy !== null}
                  aria-label={`Accept lead ${offer.lead.externalId}`}
                  onClick={() => answer(offer, 'accept')}
                >
                  Accept
                </button>
                <button
                  type="button"
                  disabled={busy !== null}
                  aria-label={`Decline lead ${offer.lead.externalId}`}
                  onClick={() => answer(offer, 'decline')}
                >
                  Decline
                </button>
              </span>
            ),
          },
        ]}
      />
    </Panel>
  );
}
