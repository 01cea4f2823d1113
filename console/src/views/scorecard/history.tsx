/** A partner's score and rank per run: a two-axis chart, and the same runs as a table. */
import type { HistoryPoint } from '../../api.ts';
import { ErrorNote, Panel } from '../../components.tsx';
import { DataTable } from '../../components-table.tsx';
import { fmt } from '../../format.ts';

export function History({ points, error }: { points: HistoryPoint[]; error: unknown }) {
  const ordered = [...points].reverse();
  const width = 360;
  const height = 140;
  const left = 40;
  const right = 40;
  const pad = 12;
  const scores = ordered.map((point) => point.score);
  const ranks = ordered.map((point) => point.rank);
  const min = Math.min(...scores, 0);
  const max = Math.max(...scores, 1);
  const worst = Math.max(...ranks, 1);
  const x = (index: number) =>
    ordered.length <= 1
      ? (left + width - right) / 2
      : left + (index * (width - left - right)) / (ordered.length - 1);
  const y = (value: number) => height - pad - ((value - min) / (max - min || 1)) * (height - 2 * pad);
  // Rank 1 at the top, the worst rank seen at the bottom.
  const yRank = (rank: number) => pad + ((rank - 1) / Math.max(1, worst - 1)) * (height - 2 * pad);
  const first = ordered[0];
  const last = ordered[ordered.length - 1];
  const summary =
    first && last
      ? ordered.length === 1
        ? `One run so far: score ${fmt.score(last.score)}, rank ${fmt.int(last.rank)}.`
        : `Over ${fmt.int(ordered.length)} runs the score went from ${fmt.score(first.score)} to ${fmt.score(last.score)} and the rank from ${fmt.int(first.rank)} to ${fmt.int(last.rank)}.`
      : 'No run has scored this partner yet.';
  return (
    <Panel title="Score and rank over time" id="history">
      {error ? <ErrorNote error={error} /> : null}
      <p class="legend">
        <span class="key key-current" aria-hidden="true" /> score (left axis)
        <span class="key key-rank" aria-hidden="true" /> rank (right axis, 1 at the top)
      </p>
      <figure class="chart">
        <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={summary} class="history-chart">
          <line class="axis" x1={left} x2={width - right} y1={height - pad} y2={height - pad} />
          <text class="tick" x={left - 6} y={pad + 3} text-anchor="end">
            {fmt.score(max)}
          </text>
          <text class="tick" x={left - 6} y={height - pad} text-anchor="end">
            {fmt.score(min)}
          </text>
          <text class="tick" x={width - right + 6} y={pad + 3}>
            #1
          </text>
          <text class="tick" x={width - right + 6} y={height - pad}>
            #{fmt.int(worst)}
          </text>
          {ordered.length > 1 ? (
            <>
              <polyline
                class="rank-line"
                points={ordered.map((point, index) => `${x(index)},${yRank(point.rank)}`).join(' ')}
              />
              <polyline
                class="line"
                points={ordered.map((point, index) => `${x(index)},${y(point.score)}`).join(' ')}
              />
            </>
          ) : null}
          {ordered.map((point, index) => (
            <circle key={point.runId} class="point" cx={x(index)} cy={y(point.score)} r="3.5">
              <title>
                {fmt.dateTime(point.scoredAt)}: score {fmt.score(point.score)}, rank {fmt.int(point.rank)},{' '}
                {point.tier ?? 'no tier'}
              </title>
            </circle>
          ))}
        </svg>
        <figcaption>{summary}</figcaption>
      </figure>
      {ordered.length > 0 ? (
        <details>
          <summary>Runs as a table</summary>
          <DataTable<HistoryPoint>
            class="compact"
            wrap={false}
            rows={points}
            rowKey={(point) => point.runId}
            columns={[
              {
                key: 'run',
                label: 'Run',
                ordered: 'descending',
                cell: (point) => fmt.dateTime(point.scoredAt),
              },
              { key: 'score', label: 'Score', numeric: true, cell: (point) => fmt.score(point.score) },
              { key: 'rank', label: 'Rank', numeric: true, cell: (point) => fmt.int(point.rank) },
              { key: 'tier', label: 'Tier', cell: (point) => point.tier ?? '—' },
            ]}
          />
        </details>
      ) : null}
    </Panel>
  );
}
