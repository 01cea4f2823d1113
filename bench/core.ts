/**
 * Bench part `core`: score, tier, rank and percentile 1,000,000 partners in process, against DuckDB
 * doing the same computation in SQL from in-memory data (contract §8). Both sides get the data loaded
 * before timing (ours in shared memory, where the scoring threads read it); only the computation is
 * timed (median of 5 rounds after one warm-up each), and a sample of DuckDB's scores, ranks,
 * percentiles and tiers must equal ours, or the bench fails. Ours runs with the scoring threads the
 * machine gives (`SCORING_THREADS` or the cores; `core.score1m.threads`) and again on one thread
 * (`….oneThread.ms`), which must give the same bytes. `core.peakRssMb` is the process peak while
 * generating and scoring, before DuckDB loads its copy. `BENCH_CORE_PARTNERS` shrinks the population
 * for a quick check. Alone: `npm run bench -- core`.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { DEFAULT_MODEL } from '#core/model/presets.ts';
import type { ScoringModel } from '#core/model/scoring-model.ts';
import type { PartnerColumns } from '#core/scoring/columns.ts';
import { type PopulationScores, scorePopulation } from '#core/scoring/score-population.ts';
import { scorePopulationThreaded, threadsFor } from '#core/scoring/score-threaded.ts';
import { seededRandom } from '../samples/generate-partners.ts';

const PARTNERS = Number(process.env.BENCH_CORE_PARTNERS ?? 1_000_000);
const ROUNDS = 5;
const MISSING_RATE = 0.05;
const RUN_TIME_MS = Date.parse('2026-06-01T00:00:00Z');

export async function run(): Promise<Record<string, number>> {
  const columns = generatePopulation(PARTNERS, 20260601);
  const percentileModel: ScoringModel = {
    ...DEFAULT_MODEL,
    metrics: DEFAULT_MODEL.metrics.map((metric) => ({ ...metric, normalization: 'percentile' })),
  };

  const cases = [
    ['core.score1m', DEFAULT_MODEL],
    ['core.score1m.percentile', percentileModel],
  ] as const;
  const figures: Record<string, number> = { 'core.score1m.threads': threadsFor(PARTNERS) };
  const ours = new Map<string, PopulationScores>();
  const options = { runTimeMs: RUN_TIME_MS };
  for (const [label, model] of cases) {
    await scorePopulationThreaded(model, columns, options); // warm-up: JIT, workers and scratch buffers
    const threaded = await timeRounds(() => scorePopulationThreaded(model, columns, options));
    scorePopulation(model, columns, options);
    const oneThread = await timeRounds(async () => scorePopulation(model, columns, options));
    assertSameBytes(threaded.result, oneThread.result, label);
    ours.set(label, threaded.result);
    figures[`${label}.ms`] = threaded.ms;
    figures[`${label}.oneThread.ms`] = oneThread.ms;
    figures[`${label}.threadSpeedup`] = oneThread.ms / threaded.ms;
  }
  // Our peak, before DuckDB holds its copy of the data.
  figures['core.peakRssMb'] = process.resourceUsage().maxRSS / 1024;

  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await loadIntoDuckdb(connection, columns);
    for (const [label, model] of cases) {
      const sql = scoringSql(model);
      await connection.run(`CREATE OR REPLACE TABLE scored AS ${sql}`); // warm-up, as for ours
      const duckMs: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const start = performance.now();
        await connection.run(`CREATE OR REPLACE TABLE scored AS ${sql}`);
        duckMs.push(performance.now() - start);
      }
      await assertSameResults(connection, columns, ours.get(label) as PopulationScores, label);
      figures[`${label}.duckdbMs`] = median(duckMs);
      figures[`${label}.vsDuckdb`] = (figures[`${label}.ms`] as number) / median(duckMs);
      figures[`${label}.oneThread.vsDuckdb`] = (figures[`${label}.oneThread.ms`] as number) / median(duckMs);
    }
    return figures;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Deterministic population: log-normal (skewed) sales, correlated counts, integer scores with ties, ~5% missing. */
function generatePopulation(n: number, seed: number): PartnerColumns {
  const random = seededRandom(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  // Shared memory, as the run's and the preview's columns: the scoring threads read it in place.
  const shared = () => new Float64Array(new SharedArrayBuffer(8 * n));
  const values = DEFAULT_MODEL.metrics.map(shared);
  const [sales, transactions, reputation, frequency, customers] = values as [
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
  ];
  const ids: string[] = new Array(n);
  const asOfMs = shared();
  for (let i = 0; i < n; i++) {
    // A multiplicative hash spreads ids so that id order is unrelated to generation order.
    ids[i] = `p-${(Math.imul(i + 1, 2654435761) >>> 0).toString(16).padStart(8, '0')}-${i}`;
    asOfMs[i] = RUN_TIME_MS - Math.floor(random() * 90) * 86_400_000;
    const s = Math.exp(9 + 1.5 * normal());
    sales[i] = Math.round(s * 100) / 100;
    transactions[i] = Math.max(0, Math.round(s / 200 + 5 * normal()));
    reputation[i] = Math.min(100, Math.max(0, Math.round(80 + 10 * normal())));
    frequency[i] = Math.floor(random() * 31);
    customers[i] = Math.floor(Math.exp(3 + normal()));
    for (const column of values) if (random() < MISSING_RATE) column[i] = Number.NaN;
  }
  return { ids, asOfMs, values, metrics: DEFAULT_MODEL.metrics.map((m) => m.name.toLowerCase()) };
}

type Connection = Awaited<ReturnType<DuckDBInstance['connect']>>;

async function loadIntoDuckdb(connection: Connection, columns: PartnerColumns): Promise<void> {
  const metricColumns = columns.metrics.map((_, j) => `m${j} DOUBLE`).join(', ');
  await connection.run(`CREATE TABLE partners (id VARCHAR, ${metricColumns})`);
  const appender = await connection.createAppender('partners');
  for (let i = 0; i < columns.ids.length; i++) {
    appender.appendVarchar(columns.ids[i] as string);
    for (const column of columns.values) {
      const value = column[i] as number;
      if (Number.isNaN(value)) appender.appendNull();
      else appender.appendDouble(value);
    }
    appender.endRow();
  }
  appender.closeSync();
}

/**
 * The same computation in SQL: per-metric normalisation (min-max or mid-rank percentile over the
 * present values, missing = 0 or 0.5 by policy), weighted sum in model order, rank (score desc,
 * id asc), mid-rank percentile of the score and the tier. The models benched have no decay, cap,
 * `exclude` or `lower` direction, so the SQL needs none.
 */
function scoringSql(model: ScoringModel): string {
  const normalizedTerms = model.metrics.map((metric, j) => {
    const x = `m${j}`;
    const missing = metric.missing === 'neutral' ? '0.5' : '0.0';
    if (metric.normalization === 'percentile') {
      const window = `PARTITION BY ${x} IS NULL ORDER BY ${x}`;
      const midRank = `((rank() OVER (${window}) - 1) + count(*) OVER (${window} RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)) / 2.0`;
      return `CASE WHEN ${x} IS NULL THEN ${missing} ELSE ${midRank} / count(${x}) OVER () END AS n${j}`;
    }
    if (metric.normalization !== 'minmax') throw new Error(`bench SQL has no ${metric.normalization}`);
    const range = `(max(${x}) OVER () - min(${x}) OVER ())`;
    return `CASE WHEN ${x} IS NULL THEN ${missing} WHEN ${range} = 0 THEN 0.5 ELSE (${x} - min(${x}) OVER ()) / ${range} END AS n${j}`;
  });
  const score = model.metrics.map((metric, j) => `${metric.weight} * n${j}`).join(' + ');
  const tier = `CASE ${model.tiers.map((t, k) => `WHEN score >= ${t.minScore} THEN ${k}`).join(' ')} ELSE -1 END`;
  return `
    WITH normalized AS (SELECT id, ${normalizedTerms.join(', ')} FROM partners),
    scored AS (SELECT id, 0.0 + ${score} AS score FROM normalized)
    SELECT id, score,
      row_number() OVER (ORDER BY score DESC, id ASC) AS rank,
      100.0 * ((rank() OVER (ORDER BY score) - 1)
        + count(*) OVER (ORDER BY score RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)) / 2.0
        / count(*) OVER () AS percentile,
      ${tier} AS tier
    FROM scored`;
}

/** Every 997th rank plus the top 100: DuckDB's score, rank, percentile and tier must equal ours. */
async function assertSameResults(
  connection: Connection,
  columns: PartnerColumns,
  ours: PopulationScores,
  label: string,
): Promise<void> {
  const reader = await connection.runAndReadAll(
    'SELECT id, score, rank, percentile, tier FROM scored WHERE rank <= 100 OR rank % 997 = 0',
  );
  const byId = new Map(columns.ids.map((id, i) => [id, i]));
  const rows = reader.getRowsJS() as [string, number, bigint, number, number][];
  if (rows.length < 100) throw new Error(`${label}: DuckDB returned only ${rows.length} sample rows`);
  for (const [id, score, rank, percentile, tier] of rows) {
    const i = byId.get(id);
    if (
      i === undefined ||
      Math.abs((ours.scores[i] as number) - score) >= 1e-9 ||
      ours.ranks[i] !== Number(rank) ||
      Math.abs((ours.percentiles[i] as number) - percentile) >= 1e-9 ||
      ours.tierIndex[i] !== tier
    ) {
      throw new Error(
        `${label}: DuckDB and scorePopulation disagree on ${id}: duckdb ${JSON.stringify([score, Number(rank), percentile, tier])}, ours ${JSON.stringify(i === undefined ? null : [ours.scores[i], ours.ranks[i], ours.percentiles[i], ours.tierIndex[i]])}`,
      );
    }
  }
}

/** Median time of {@link ROUNDS} rounds, and the last round's result. */
async function timeRounds(
  score: () => Promise<PopulationScores>,
): Promise<{ ms: number; result: PopulationScores }> {
  const times: number[] = [];
  let result: PopulationScores | undefined;
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    result = await score();
    times.push(performance.now() - start);
  }
  return { ms: median(times), result: result as PopulationScores };
}

/** The threaded result must be the one-thread result, byte for byte. */
function assertSameBytes(threaded: PopulationScores, oneThread: PopulationScores, label: string): void {
  const arrays = ['scores', 'ranks', 'order', 'percentiles', 'tierIndex'] as const;
  for (const name of arrays) {
    const a = threaded[name];
    const b = oneThread[name];
    const same = Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
      Buffer.from(b.buffer, b.byteOffset, b.byteLength),
    );
    if (!same) throw new Error(`${label}: ${name} differ between the threaded and the one-thread scoring`);
  }
  if (JSON.stringify(threaded.stats) !== JSON.stringify(oneThread.stats))
    throw new Error(`${label}: statistics differ between the threaded and the one-thread scoring`);
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}
