/**
 * One lead: its offers with their outcome, the decision behind each (the candidates with weight,
 * entitlement and offers so far; the excluded counted by reason), and a manual offer when unassigned.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, type Lead, type LeadDecision, type LeadOffer } from '../../api.ts';
import { can } from '../../auth.ts';
import { Deadline, ErrorNote, Panel, Stat, useAsync } from '../../components.tsx';
import { DataTable } from '../../components-table.tsx';
import { EXCLUSION_REASONS } from '../../enums.ts';
import { fmt } from '../../format.ts';
import { href } from '../../route.ts';
import { LeadStatusChip, OutcomeChip } from './queue.tsx';

/** How often a lead with an open offer is read again. */
const REFRESH_MS = 5000;

export function LeadDetail({ leadId }: { leadId: string }) {
  const lead = useAsync(() => api.lead(leadId), [leadId]);
  const value = lead.value;
  const waiting = value?.status === 'offered';
  useEffect(() => {
    // While an offer waits for its answer, follow it: accepted, or declined or expired and moved on.
    if (!waiting) return;
    const timer = setInterval(lead.reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [waiting, leadId]);
  return (
    <div class="stack">
      <nav aria-label="Breadcrumb" class="crumbs">
        <a href={href('leads')}>Leads</a> <span aria-hidden="true">›</span>{' '}
        <span>{value?.externalId ?? leadId}</span>
      </nav>
      {lead.error ? <ErrorNote error={lead.error} /> : null}
      {value ? (
        <>
          <LeadFacts lead={value} />
          {value.status === 'unassigned' && can('partners/write') ? (
            <ManualAssignment lead={value} onAssigned={lead.reload} />
          ) : null}
          <Offers offers={value.offers} />
          {[...value.offers]
            .reverse()
            .map((offer, index) =>
              offer.decision ? (
                <Decision
                  key={offer.offerId}
                  attempt={value.offers.length - index}
                  offer={offer}
                  decision={offer.decision}
                />
              ) : null,
            )}
        </>
      ) : lead.loading ? (
        <p class="summary">Loading the lead…</p>
      ) : null}
    </div>
  );
}

function LeadFacts({ lead }: { lead: Lead }) {
  return (
    <Panel title={`Lead ${lead.externalId}`} id="lead">
      <dl class="stats">
        <Stat label="Status" value={<LeadStatusChip status={lead.status} />} hint={lead.unassignedReason} />
        <Stat label="Region" value={lead.region ?? 'any'} />
        <Stat label="Type" value={lead.type ?? 'any'} />
        <Stat label="Value" value={fmt.num(lead.value)} />
        <Stat label="Minimum tier" value={lead.minTier ?? 'policy'} />
        <Stat label="Period" value={lead.period} hint={`created ${fmt.dateTime(lead.createdAt)}`} />
      </dl>
    </Panel>
  );
}

function Offers({ offers }: { offers: LeadOffer[] }) {
  return (
    <Panel title={`Offers (${fmt.int(offers.length)})`} id="offers">
      <DataTable<LeadOffer>
        caption="Offers of this lead, first first"
        rows={offers}
        rowKey={(offer) => offer.offerId}
        rowAttributes={(offer) => ({ 'data-offer': offer.offerId, 'data-outcome': offer.outcome })}
        empty="No offer yet."
        columns={[
          {
            key: 'partner',
            label: 'Partner',
            cell: (offer) => <a href={href('partner', offer.partnerId)}>{offer.partnerId}</a>,
          },
          { key: 'outcome', label: 'Outcome', cell: (offer) => <OutcomeChip outcome={offer.outcome} /> },
          {
            key: 'offered',
            label: 'Offered',
            ordered: 'ascending',
            cell: (offer) => fmt.dateTime(offer.offeredAt),
          },
          {
            key: 'deadline',
            label: 'Deadline or answer',
            cell: (offer) =>
              offer.outcome === 'open' ? <Deadline at={offer.expiresAt} /> : fmt.dateTime(offer.answeredAt),
          },
          {
            key: 'how',
            label: 'Chosen',
            cell: (offer) => (offer.assignedBy ? `by hand (${offer.assignedBy})` : 'by the policy'),
          },
        ]}
      />
    </Panel>
  );
}

/** Why an offer went to its partner: the most urgent shortfalls, and who was left out and why. */
function Decision(props: { attempt: number; offer: LeadOffer; decision: LeadDecision }) {
  const { decision, offer } = props;
  const excluded = Object.entries(decision.excludedCounts).filter(([, count]) => count > 0);
  return (
    <Panel
      title={`Decision behind offer ${props.attempt} (to ${offer.partnerId})`}
      id={`decision-${offer.offerId}`}
    >
      <p class="summary" data-eligible={decision.eligible}>
        {fmt.int(decision.eligible)} eligible partner{decision.eligible === 1 ? '' : 's'}; each accrued its
        share of the lead, and the most urgent shortfall (entitled − offered) got it: the partner that would
        soonest fall a whole lead behind.
      </p>
      <DataTable<LeadDecision['candidates'][number]>
        class="compact decision"
        caption="Candidates, most urgent first"
        rows={decision.candidates}
        rowKey={(candidate) => candidate.partnerId}
        rowAttributes={(candidate) => ({
          'data-partner': candidate.partnerId,
          class: candidate.partnerId === offer.partnerId ? 'chosen' : undefined,
        })}
        columns={[
          {
            key: 'partner',
            label: 'Partner',
            rowHeader: true,
            cell: (candidate) => (
              <>
                {candidate.partnerId}
                {candidate.partnerId === offer.partnerId ? <span class="muted"> (offered)</span> : null}
              </>
            ),
          },
          { key: 'weight', label: 'Weight', numeric: true, cell: (candidate) => fmt.num(candidate.weight) },
          {
            key: 'entitled',
            label: 'Entitled',
            numeric: true,
            cell: (candidate) => fmt.num(candidate.entitled),
          },
          {
            key: 'offered',
            label: 'Offered',
            numeric: true,
            cell: (candidate) => fmt.int(candidate.offered),
          },
          {
            key: 'shortfall',
            label: 'Shortfall',
            numeric: true,
            cell: (candidate) => fmt.num(candidate.entitled - candidate.offered),
          },
        ]}
      />
      <h3 class="subhead">Left out</h3>
      {excluded.length === 0 ? (
        <p class="muted">Nobody.</p>
      ) : (
        <ul class="excluded" aria-label="Partners left out, by reason">
          {excluded.map(([reason, count]) => (
            <li key={reason} data-reason={reason}>
              <strong>{fmt.int(count)}</strong>{' '}
              {EXCLUSION_REASONS[reason as keyof typeof EXCLUSION_REASONS] ?? reason}
            </li>
          ))}
        </ul>
      )}
    </Panel>
  );
}

/** A manual offer of an unassigned lead: any partner id, the answer's problem shown when refused. */
function ManualAssignment({ lead, onAssigned }: { lead: Lead; onAssigned: () => void }) {
  const [partnerId, setPartnerId] = useState('');
  const [state, setState] = useState<{ busy: boolean; error?: unknown }>({ busy: false });
  return (
    <Panel title="Assign by hand" id="assign">
      <p class="muted">
        {lead.unassignedReason ?? 'Nobody took this lead.'} Offer it to a partner of your choice: the partner
        gets the policy's deadline to answer.
      </p>
      <form
        class="inline-form"
        onSubmit={async (event) => {
          event.preventDefault();
          setState({ busy: true });
          try {
            await api.assignLead(lead.leadId, partnerId.trim());
            setState({ busy: false });
            onAssigned();
          } catch (error) {
            setState({ busy: false, error });
          }
        }}
      >
        <label>
          Partner id{' '}
          <input
            name="partnerId"
            required
            value={partnerId}
            onInput={(event) => setPartnerId(event.currentTarget.value)}
          />
        </label>
        <button type="submit" class="primary" disabled={state.busy || partnerId.trim() === ''}>
          {state.busy ? 'Assigning…' : 'Offer to this partner'}
        </button>
      </form>
      {state.error ? <ErrorNote error={state.error} /> : null}
    </Panel>
  );
}
