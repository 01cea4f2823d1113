import { useState } from 'preact/hooks';
import { api, type WorklistAction, type WorklistItem } from '../api.ts';
import { ErrorNote, Panel, TierBadge, useAsync } from '../components.tsx';
import { DataTable } from '../components-table.tsx';
import { fmt } from '../format.ts';
import { href, type Route } from '../route.ts';

/** The reasons in the order the view shows them, with what each means to a channel manager. */
export const REASON_LABELS: Record<WorklistItem['reason'], { title: string; hint: string }> = {
  TIER_AT_RISK: { title: 'Tier at risk', hint: 'keeps its tier only by grace, or is close to losing it' },
  DROPPING: { title: 'Dropping', hint: 'the score fell sharply over the last runs' },
  STALE: { title: 'Stale data', hint: 'its numbers stopped arriving' },
  NEAR_NEXT_TIER: { title: 'Near the next tier', hint: 'a few points short of moving up' },
};
const REASONS = Object.keys(REASON_LABELS) as WorklistItem['reason'][];

/** Why an item is on the list, in words, from its detail. */
export function itemWhy(item: Pick<WorklistItem, 'reason' | 'detail'>): string {
  const d = item.detail;
  switch (item.reason) {
    case 'TIER_AT_RISK':
      return Number(d.margin) < 0
        ? `${fmt.score(-Number(d.margin))} points under ${d.tier}'s minimum, kept by hysteresis`
        : `${fmt.score(Number(d.margin))} points above ${d.tier}'s minimum`;
    case 'NEAR_NEXT_TIER':
      return `${fmt.score(Number(d.pointsNeeded))} points to ${d.nextTier}`;
    case 'DROPPING':
      return `${fmt.score(Number(d.change))} points over ${fmt.int(Number(d.runsBack))} runs`;
    case 'STALE':
      return `data ${fmt.int(Number(d.days))} days old`;
  }
}

/** The chip's colour of each severity. */
const SEVERITY_CHIPS: Record<WorklistItem['severity'], string> = {
  high: 'fail',
  medium: 'warn',
  low: 'info',
};

export function SeverityChip({ severity }: { severity: WorklistItem['severity'] }) {
  return <span class={`chip chip-${SEVERITY_CHIPS[severity]}`}>{severity}</span>;
}

/** Open items of the latest run, for the navigation badge (high and medium ones). */
export function useWorklistCount(runId: string | undefined): number | null {
  const counts = useAsync(async () => {
    const [high, medium] = await Promise.all([
      api.worklist({ severity: 'high' }, 500),
      api.worklist({ severity: 'medium' }, 500),
    ]);
    return high.items.length + medium.items.length;
  }, [runId]);
  return counts.value ?? null;
}

function ItemActions({ item, onDone }: { item: WorklistItem; onDone: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const act = async (action: WorklistAction) => {
    setBusy(true);
    setError(null);
    try {
      const until = action === 'snooze' ? new Date(Date.now() + 7 * 86_400_000).toISOString() : undefined;
      await api.actOnItem(item.itemId, action, until);
      onDone();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const name = item.name;
  return (
    <span class="item-actions">
      <button type="button" disabled={busy} onClick={() => act('done')} aria-label={`Done: ${name}`}>
        Done
      </button>
      <button
        type="button"
        disabled={busy}
        onClick={() => act('snooze')}
        aria-label={`Snooze a week: ${name}`}
      >
        Snooze a week
      </button>
      <button type="button" disabled={busy} onClick={() => act('dismiss')} aria-label={`Dismiss: ${name}`}>
        Dismiss
      </button>
      {error ? <ErrorNote error={error} /> : null}
    </span>
  );
}

/**
 * "This week": the latest run's worklist grouped by reason, severity first inside each group, with
 * counts per reason, a link to each partner's scorecard and the actions inline.
 */
export function ThisWeek({ route, onChanged }: { route: Route; onChanged: () => void }) {
  const showSnoozed = route.params.get('snoozed') === '1';
  const data = useAsync(() => api.worklist({}, 500, showSnoozed), [showSnoozed]);
  const items = data.value?.items ?? [];
  const groups = REASONS.map((reason) => ({ reason, items: items.filter((item) => item.reason === reason) }));
  const refresh = () => {
    data.reload();
    onChanged();
  };
  return (
    <div class="stack">
      <p class="run-line">
        Partners to call, from the latest run{data.value?.runId ? '' : ' (no run yet)'}: highest severity
        first.{' '}
        <a href={href('this-week', null, showSnoozed ? {} : { snoozed: '1' })}>
          {showSnoozed ? 'Hide snoozed and dismissed' : 'Show snoozed and dismissed'}
        </a>
      </p>
      {data.error ? <ErrorNote error={data.error} /> : null}
      <ul class="reason-counts" aria-label="Items per reason">
        {groups.map(({ reason, items: group }) => (
          <li key={reason}>
            <a href={`#${reason}`}>
              {REASON_LABELS[reason].title}: <strong data-count={reason}>{fmt.int(group.length)}</strong>
            </a>
          </li>
        ))}
      </ul>
      <p class="summary" role="status" aria-live="polite">
        {data.value ? `${fmt.int(items.length)} open items` : 'Loading…'}
      </p>
      {groups.map(({ reason, items: group }) => (
        <Panel key={reason} id={reason} title={`${REASON_LABELS[reason].title} (${fmt.int(group.length)})`}>
          <p class="hint">{REASON_LABELS[reason].hint}</p>
          {group.length === 0 ? (
            <p class="empty">Nothing here this week.</p>
          ) : (
            <DataTable
              class="worklist"
              caption={REASON_LABELS[reason].title}
              rows={group}
              rowKey={(item) => item.itemId}
              rowAttributes={(item) => ({ 'data-item': item.itemId, 'data-partner': item.partnerId })}
              columns={[
                {
                  key: 'severity',
                  label: 'Severity',
                  cell: (item) => (
                    <>
                      <SeverityChip severity={item.severity} />
                      {item.state !== 'open' ? <span class="muted"> {item.state}</span> : null}
                    </>
                  ),
                },
                {
                  key: 'partner',
                  label: 'Partner',
                  cell: (item) => (
                    <a class="partner-link" href={href('partner', item.partnerId, { item: item.reason })}>
                      {item.name}
                    </a>
                  ),
                },
                { key: 'why', label: 'Why', cell: itemWhy },
                { key: 'score', label: 'Score', numeric: true, cell: (item) => fmt.score(item.score) },
                { key: 'tier', label: 'Tier', cell: (item) => <TierBadge tier={item.tier} /> },
                { key: 'since', label: 'Since', cell: (item) => fmt.date(item.openedAt) },
                {
                  key: 'actions',
                  label: 'Actions',
                  cell: (item) => <ItemActions item={item} onDone={refresh} />,
                },
              ]}
            />
          )}
        </Panel>
      ))}
    </div>
  );
}

/** On a scorecard: the worklist items of this partner (open or snoozed). */
export function ScorecardWorklistNote({ partnerId }: { partnerId: string }) {
  const data = useAsync(async () => {
    const page = await api.worklist({}, 500, true);
    return page.items.filter((item) => item.partnerId === partnerId);
  }, [partnerId]);
  const items = data.value ?? [];
  if (items.length === 0) return null;
  return (
    <aside class="note worklist-note" aria-label="On this week's worklist">
      <strong>On this week's worklist:</strong>{' '}
      {items.map((item, i) => (
        <span key={item.itemId} data-reason={item.reason}>
          {i > 0 ? '; ' : ''}
          {REASON_LABELS[item.reason].title} (<SeverityChip severity={item.severity} />, {itemWhy(item)})
        </span>
      ))}
    </aside>
  );
}
