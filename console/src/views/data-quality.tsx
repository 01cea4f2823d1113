import { api, type QualityCheck, type Run } from '../api.ts';
import { ErrorNote, Panel, useAsync } from '../components.tsx';
import { DataTable } from '../components-table.tsx';
import { fmt } from '../format.ts';
import { href, type Route } from '../route.ts';

const CHECK_TITLES: Record<QualityCheck['check'], string> = {
  completeness: 'Completeness',
  freshness: 'Freshness',
  outliers: 'Outliers',
  duplicates: 'Duplicates',
  drift: 'Drift',
};

export function StatusChip({ status }: { status: QualityCheck['status'] }) {
  return <span class={`chip chip-${status}`}>{status}</span>;
}

function observed(check: QualityCheck): string {
  if (check.observed === null) return '—';
  switch (check.check) {
    case 'completeness':
    case 'duplicates':
    case 'drift':
      return fmt.pct(check.observed);
    case 'freshness':
      return `oldest ${fmt.int(check.observed)} days`;
    case 'outliers':
      return `${fmt.pct(check.observed)} of values`;
  }
}

function threshold(check: QualityCheck): string {
  switch (check.check) {
    case 'completeness':
      return `at least ${fmt.pct(check.threshold)}`;
    case 'freshness':
      return `${fmt.int(check.threshold)} days`;
    case 'outliers':
      return `modified z over ${fmt.num(check.threshold)}`;
    case 'duplicates':
      return 'none';
    case 'drift':
      return `median moves at most ${fmt.pct(check.threshold)}`;
  }
}

/**
 * "Data quality": the latest run's checks as a table with status chips, each check's failing partners
 * one click away (`?check=&metric=`), and the completeness of each metric as bars.
 */
export function DataQuality({ route }: { route: Route }) {
  const report = useAsync(() => api.qualityLatest(), []);
  const check = route.params.get('check') as QualityCheck['check'] | null;
  const metric = route.params.get('metric');
  const runId = report.value?.runId;
  const failures = useAsync(
    async () => (runId && check ? api.qualityFailures(runId, check, metric, 200) : null),
    [runId, check, metric],
  );
  const checks = report.value?.checks ?? [];
  const completeness = checks.filter((c) => c.check === 'completeness');
  return (
    <div class="stack">
      {report.error ? <ErrorNote error={report.error} /> : null}
      {report.value ? (
        <p class="run-line">
          Overall <StatusChip status={report.value.status} /> for the data of the latest run. A failing check
          is shown, never a reason to stop a run.
        </p>
      ) : null}
      <Panel title="Checks" id="checks">
        <DataTable
          class="quality"
          caption="Data-quality checks"
          rows={checks}
          rowKey={(row) => `${row.check}-${row.metric}-${row.severity}`}
          rowAttributes={(row) => ({ 'data-check': row.check, 'data-status': row.status })}
          columns={[
            { key: 'check', label: 'Check', cell: (row) => CHECK_TITLES[row.check] },
            { key: 'metric', label: 'Metric', cell: (row) => row.metric ?? '—' },
            { key: 'status', label: 'Status', cell: (row) => <StatusChip status={row.status} /> },
            { key: 'observed', label: 'Observed', cell: observed },
            { key: 'threshold', label: 'Threshold', cell: threshold },
            {
              key: 'failing',
              label: 'Failing partners',
              numeric: true,
              cell: (row) =>
                row.listed > 0 ? (
                  <a
                    href={href('quality', null, { check: row.check, metric: row.metric })}
                    aria-label={`${fmt.int(row.failing)} partners failing ${CHECK_TITLES[row.check]}${row.metric ? ` of ${row.metric}` : ''}`}
                  >
                    {fmt.int(row.failing)}
                  </a>
                ) : (
                  fmt.int(row.failing)
                ),
            },
          ]}
        />
      </Panel>
      <Panel title="Completeness per metric" id="completeness">
        <ul class="completeness-bars">
          {completeness.map((row) => (
            <li key={row.metric} data-metric={row.metric}>
              <span class="bar-label">{row.metric}</span>
              <svg class="bar" viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true">
                <rect class="bar-track" x="0" y="0" width="100" height="8" />
                <rect
                  class={row.status === 'fail' ? 'bar-fail' : 'bar-fill'}
                  x="0"
                  y="0"
                  width={(row.observed ?? 0) * 100}
                  height="8"
                />
              </svg>
              <span class="num">{fmt.pct(row.observed)}</span>
            </li>
          ))}
        </ul>
      </Panel>
      {check ? (
        <Panel
          title={`Failing: ${CHECK_TITLES[check] ?? check}${metric ? ` of ${metric}` : ''}`}
          id="failures"
        >
          {failures.error ? <ErrorNote error={failures.error} /> : null}
          <DataTable
            class="failures"
            caption="Failing partners"
            rows={failures.value?.items ?? []}
            rowKey={(item) => item.partnerId}
            rowAttributes={(item) => ({ 'data-partner': item.partnerId })}
            columns={[
              {
                key: 'partner',
                label: 'Partner',
                cell: (item) => (
                  <a class="partner-link" href={href('partner', item.partnerId)}>
                    {item.name}
                  </a>
                ),
              },
              {
                key: 'value',
                label: 'Value',
                cell: (item) =>
                  item.value === null
                    ? 'missing'
                    : typeof item.value === 'number'
                      ? fmt.num(item.value)
                      : item.value,
              },
            ]}
          />
        </Panel>
      ) : null}
    </div>
  );
}

/** On the leaderboard: a notice when the latest run's data failed a check. */
export function QualityNotice({ latestRun }: { latestRun: Run | undefined }) {
  if (latestRun?.quality !== 'fail') return null;
  return (
    <p class="notice notice-warn" role="note" data-testid="quality-notice">
      The latest run's data failed a data-quality check. <a href={href('quality')}>See Data quality</a>.
    </p>
  );
}
