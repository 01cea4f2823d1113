/** Who got what in a period: per partner entitled (its accrued share) against offered and accepted. */
import { useState } from 'preact/hooks';
import { api, type DistributionAudit } from '../../api.ts';
import { ErrorNote, Panel, useAsync } from '../../components.tsx';
import { DataTable } from '../../components-table.tsx';
import { fmt } from '../../format.ts';
import { href } from '../../route.ts';

type Row = DistributionAudit['items'][number];

const currentPeriod = () => new Date().toISOString().slice(0, 7);

export function DistributionAuditPanel() {
  const [period, setPeriod] = useState(currentPeriod);
  const audit = useAsync(() => api.distributionAudit(period), [period]);
  const rows = [...(audit.value?.items ?? [])].sort(
    (a, b) => b.entitled - a.entitled || a.partnerId.localeCompare(b.partnerId),
  );
  const scale = Math.max(1, ...rows.flatMap((row) => [row.entitled, row.offered]));
  const lag = Math.max(0, ...rows.map((row) => Math.abs(row.entitled - row.offered)));
  return (
    <Panel
      title="Audit: entitled against offered"
      id="audit"
      actions={
        <label class="inline-field">
          Period{' '}
          <input
            type="month"
            name="period"
            value={period}
            onChange={(event) => setPeriod(event.currentTarget.value || currentPeriod())}
          />
        </label>
      }
    >
      {audit.error ? <ErrorNote error={audit.error} /> : null}
      <p class="summary" role="status" aria-live="polite">
        {audit.value
          ? rows.length === 0
            ? `No offer in ${audit.value.period}.`
            : `${fmt.int(rows.length)} partner${rows.length === 1 ? '' : 's'} in ${audit.value.period}; the largest gap between entitled and offered is ${fmt.num(lag)} lead${lag === 1 ? '' : 's'}.`
          : 'Loading the audit…'}
      </p>
      <p class="legend">
        <span class="key key-current" aria-hidden="true" /> offered
        <span class="key key-previous" aria-hidden="true" /> entitled
      </p>
      <DataTable<Row>
        class="compact audit"
        caption="Per partner: weight, entitled, offered, accepted, declined and expired offers"
        rows={rows}
        rowKey={(row) => row.partnerId}
        rowAttributes={(row) => ({ 'data-partner': row.partnerId })}
        columns={[
          {
            key: 'partner',
            label: 'Partner',
            rowHeader: true,
            cell: (row) => <a href={href('partner', row.partnerId)}>{row.partnerId}</a>,
          },
          { key: 'weight', label: 'Weight', numeric: true, cell: (row) => fmt.num(row.weight) },
          {
            key: 'entitled',
            label: 'Entitled',
            numeric: true,
            ordered: 'descending',
            cell: (row) => fmt.num(row.entitled),
          },
          { key: 'offered', label: 'Offered', numeric: true, cell: (row) => fmt.int(row.offered) },
          {
            key: 'bars',
            label: 'Entitled and offered',
            hiddenLabel: true,
            class: 'bar-col',
            cell: (row) => (
              <svg class="bar pair" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
                <rect class="bar-previous" x="0" y="0" width={(row.entitled / scale) * 100} height="4.5" />
                <rect class="bar-fill" x="0" y="5.5" width={(row.offered / scale) * 100} height="4.5" />
              </svg>
            ),
          },
          { key: 'accepted', label: 'Accepted', numeric: true, cell: (row) => fmt.int(row.accepted) },
          { key: 'declined', label: 'Declined', numeric: true, cell: (row) => fmt.int(row.declined) },
          { key: 'expired', label: 'Expired', numeric: true, cell: (row) => fmt.int(row.expired) },
        ]}
      />
    </Panel>
  );
}
