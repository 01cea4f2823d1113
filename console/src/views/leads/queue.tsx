/** The vendor's lead queue: newest first, filtered by status, a deadline countdown on open offers. */
import { useEffect } from 'preact/hooks';
import { api, type LeadOffer, type LeadStatus, type LeadSummary } from '../../api.ts';
import { Deadline, ErrorNote, Panel, useAsync } from '../../components.tsx';
import { DataTable, Pager } from '../../components-table.tsx';
import { LEAD_STATUSES } from '../../enums.ts';
import { fmt } from '../../format.ts';
import { href, navigate, type Route } from '../../route.ts';

const PAGE_SIZE = 50;
/** The queue is read again this often, so statuses and partners follow the offers' answers. */
const REFRESH_MS = 10_000;

const STATUS_CHIPS: Record<LeadStatus, string> = {
  new: 'info',
  offered: 'info',
  accepted: 'pass',
  unassigned: 'warn',
};
const OUTCOME_CHIPS: Record<LeadOffer['outcome'], string> = {
  open: 'info',
  accepted: 'pass',
  declined: 'fail',
  expired: 'warn',
};

export function LeadStatusChip({ status }: { status: LeadStatus }) {
  return <span class={`chip chip-${STATUS_CHIPS[status]}`}>{status}</span>;
}

export function OutcomeChip({ outcome }: { outcome: LeadOffer['outcome'] }) {
  return <span class={`chip chip-${OUTCOME_CHIPS[outcome]}`}>{outcome}</span>;
}

// Cursors of the pages already seen, so "Previous" can go back without a backwards cursor.
const cursorsSeen = new Map<string, string | undefined>();

export function LeadQueue({ route }: { route: Route }) {
  const asked = route.params.get('status');
  const status = LEAD_STATUSES.find((each) => each === asked);
  const cursor = route.params.get('cursor') ?? undefined;
  const page = Number(route.params.get('page') ?? '1') || 1;
  const leads = useAsync(() => api.leads(status, PAGE_SIZE, cursor), [status, cursor]);
  useEffect(() => {
    const timer = setInterval(leads.reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [status, cursor]);
  const go = (next: { status?: LeadStatus | undefined; cursor?: string | undefined; page?: number }) =>
    navigate(
      href('leads', null, {
        status: next.status,
        cursor: next.cursor,
        page: next.page && next.page > 1 ? String(next.page) : undefined,
      }),
    );
  const items = leads.value?.items ?? [];
  return (
    <Panel
      title="Lead queue"
      id="lead-queue"
      actions={
        <label class="inline-field">
          Status{' '}
          <select
            name="status"
            value={status ?? ''}
            onChange={(event) => go({ status: (event.currentTarget.value || undefined) as LeadStatus })}
          >
            <option value="">All</option>
            {LEAD_STATUSES.map((each) => (
              <option key={each} value={each}>
                {each}
              </option>
            ))}
          </select>
        </label>
      }
    >
      {leads.error ? <ErrorNote error={leads.error} /> : null}
      <p class="summary" role="status" aria-live="polite">
        {leads.value
          ? `${fmt.int(items.length)} lead${items.length === 1 ? '' : 's'}${status ? ` ${status}` : ''} on this page, newest first`
          : 'Loading the leads…'}
      </p>
      <DataTable<LeadSummary>
        caption="Leads, newest first"
        rows={items}
        rowKey={(lead) => lead.leadId}
        rowAttributes={(lead) => ({ 'data-lead': lead.leadId, 'data-status': lead.status })}
        empty={status ? `No ${status} lead.` : 'No lead yet: leads arrive through POST /leads.'}
        columns={[
          {
            key: 'lead',
            label: 'Lead',
            cell: (lead) => <a href={href('leads', lead.leadId)}>{lead.externalId}</a>,
          },
          { key: 'status', label: 'Status', cell: (lead) => <LeadStatusChip status={lead.status} /> },
          {
            key: 'partner',
            label: 'Partner',
            cell: (lead) =>
              lead.partnerId ? <a href={href('partner', lead.partnerId)}>{lead.partnerId}</a> : '—',
          },
          {
            key: 'deadline',
            label: 'Deadline',
            cell: (lead) => (lead.status === 'offered' ? <Deadline at={lead.expiresAt} /> : '—'),
          },
          { key: 'region', label: 'Region', cell: (lead) => lead.region ?? '—' },
          { key: 'type', label: 'Type', cell: (lead) => lead.type ?? '—' },
          { key: 'value', label: 'Value', numeric: true, cell: (lead) => fmt.num(lead.value) },
          {
            key: 'created',
            label: 'Created',
            ordered: 'descending',
            cell: (lead) => fmt.dateTime(lead.createdAt),
          },
        ]}
      />
      <Pager
        label="Lead queue pages"
        page={page}
        hasNext={!!leads.value?.nextCursor}
        onPrevious={() =>
          go({
            status,
            page: page - 1,
            cursor: page > 2 ? cursorsSeen.get(`${status}|${page - 1}`) : undefined,
          })
        }
        onNext={() => {
          if (!leads.value?.nextCursor) return;
          cursorsSeen.set(`${status}|${page}`, cursor);
          go({ status, page: page + 1, cursor: leads.value.nextCursor });
        }}
      />
    </Panel>
  );
}
