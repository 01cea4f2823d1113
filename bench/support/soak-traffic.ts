/**
 * The soak's traffic and its checks (issue 11, "A soak that proves it"), against a running local stack:
 * concurrent partner upserts and deletes, CSV imports with bad rows, ranking and partner reads, rescore
 * requests and a model change, for a fixed time; then the final state is compared with an oracle that
 * replays the acknowledged operations.
 *
 * Ordering: every API-written partner has ONE writer (a worker owns its ids and has one request in
 * flight), and import-written partners are written only by the importer, one import at a time, so
 * "in order" is each owner's order. The one deliberate cross-writer race is the importer's old rows
 * (asOf 2020) for writer-owned partners: the service's asOf rule (and the delete's tombstone) must
 * make them stale whatever the interleaving. A request answered 503 is not acknowledged: the worker
 * waits Retry-After and sends it again, as a client would; the retry may then find the first attempt
 * applied (`unchanged`, or 404 for a delete), which is accepted.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { seededRandom } from '../../samples/generate-partners.ts';

export interface SoakOptions {
  apiUrl: string;
  durationMs: number;
  /** Partner writers (each owns `partnersPerWriter` ids). */
  writers: number;
  partnersPerWriter: number;
  readers: number;
  /** Pause between two rescore requests. */
  rescoreEveryMs: number;
  seed: number;
  /** The operator-facing reason of a failed run (read from the run record; HTTP bodies never carry it). */
  runFailureReason: (runId: string) => Promise<string | undefined>;
  log: (line: string) => void;
}

export interface SoakReport {
  /** API requests answered during the traffic phase. */
  requests: number;
  p50Ms: number;
  p99Ms: number;
  /** 5xx other than 503-with-Retry-After, plus requests that got no HTTP answer at all. */
  errors5xx: number;
  /** 503 problem+json with Retry-After: throttled past the SDK's retries (each was retried). */
  throttled503: number;
  /** Partners whose final state differs from the oracle (acknowledged writes lost, or doubled/revived). */
  lost: number;
  /** Acknowledged results whose status (created/updated/unchanged/stale, 204/404) differs from the oracle's. */
  statusMismatches: number;
  /** Live partners missing from the final ranking, or ranked though deleted / twice. */
  rankingMismatches: number;
  /** 4xx answers no request of the soak should get. */
  unexpected4xx: number;
  writes: number;
  imports: number;
  /** Imports still pending/processing at the end, or failed. */
  importsUnfinished: number;
  runs: number;
  runsCompleted: number;
  /** Runs still running at the end, or failed without a reason. */
  runsUnfinished: number;
  problems: string[];
}

type Metrics = Record<string, number>;
interface PartnerState {
  name: string;
  type: string | null;
  region: string | null;
  metrics: Metrics;
  asOf: string;
}
interface Upsert {
  id: string;
  name?: string;
  type?: string | null;
  region?: string | null;
  metrics: Record<string, number | null>;
  asOf: string;
}
type UpsertStatus = 'created' | 'updated' | 'unchanged' | 'stale';

const METRICS = ['sales', 'transactions', 'reputation', 'communicationFrequency', 'commonCustomers'];
const REGIONS = ['EMEA', 'APAC', 'NA', 'LATAM'];
const TYPES = ['Reseller', 'Distributor', 'MSP'];
/** asOf of the importer's deliberately old rows for writer-owned partners: always stale. */
const OLD_AS_OF = '2020-01-01T00:00:00.000Z';

/** Metric names as the service stores them: lowercase letters and digits only. */
const normalise = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * The oracle: each partner's state after the acknowledged operations, with the service's rules
 * (contract §3): merge, `null` removes, an older `asOf` is stale, a delete leaves a tombstone that
 * makes older upserts stale.
 */
class Oracle {
  readonly partners = new Map<string, PartnerState>();
  /** Upper bound of a delete's time (the client's clock when the 204 arrived). */
  readonly deletedAt = new Map<string, string>();
  /** Every id the soak ever wrote or tried to write. */
  readonly ids = new Set<string>();

  /** Applies an acknowledged upsert; returns the status the service must have answered. */
  apply(upsert: Upsert): UpsertStatus {
    this.ids.add(upsert.id);
    const old = this.partners.get(upsert.id);
    if (old ? upsert.asOf < old.asOf : upsert.asOf < (this.deletedAt.get(upsert.id) ?? '')) return 'stale';
    const metrics = { ...(old?.metrics ?? {}) };
    for (const [name, value] of Object.entries(upsert.metrics)) {
      if (value === null) delete metrics[normalise(name)];
      else metrics[normalise(name)] = value;
    }
    const next: PartnerState = {
      name: upsert.name ?? old?.name ?? upsert.id,
      type: upsert.type === undefined ? (old?.type ?? null) : upsert.type,
      region: upsert.region === undefined ? (old?.region ?? null) : upsert.region,
      metrics,
      asOf: upsert.asOf,
    };
    this.partners.set(upsert.id, next);
    this.deletedAt.delete(upsert.id);
    if (!old) return 'created';
    return sameState(old, next) ? 'unchanged' : 'updated';
  }

  delete(id: string, ackedAt: string): boolean {
    const existed = this.partners.delete(id);
    if (existed) this.deletedAt.set(id, ackedAt);
    return existed;
  }
}

function sameState(a: PartnerState, b: Omit<PartnerState, 'asOf'>): boolean {
  const keys = Object.keys(a.metrics);
  return (
    a.name === b.name &&
    a.type === b.type &&
    a.region === b.region &&
    keys.length === Object.keys(b.metrics).length &&
    keys.every((key) => a.metrics[key] === b.metrics[key])
  );
}

interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: the soak reads fields of many response shapes
  body: any;
  headers: Headers;
}

/** Sends requests, times them and classifies every answer. */
class Client {
  readonly latencies: number[] = [];
  errors5xx = 0;
  throttled503 = 0;
  unexpected4xx = 0;
  recording = true;

  constructor(
    private readonly apiUrl: string,
    private readonly problems: string[],
  ) {}

  /**
   * One request; a 503 with Retry-After is waited out and sent again (the same request: nothing was
   * acknowledged). `retried` tells the caller an earlier attempt may have been applied.
   */
  async send(
    method: string,
    route: string,
    body?: unknown,
    expected: readonly number[] = [200],
  ): Promise<Answer & { retried: boolean }> {
    for (let attempt = 0; ; attempt++) {
      const answer = await this.once(method, route, body);
      if (answer.status === 503 && answer.headers.get('retry-after')) {
        if (this.recording) this.throttled503++;
        await sleep(Number(answer.headers.get('retry-after')) * 1000);
        continue;
      }
      if (answer.status >= 500 || answer.status === 0) {
        this.errors5xx++;
        this.problems.push(`${method} ${route}: ${answer.status} ${JSON.stringify(answer.body)}`);
        if (attempt < 5) {
          await sleep(1000);
          continue;
        }
      } else if (!expected.includes(answer.status)) {
        this.unexpected4xx++;
        this.problems.push(`${method} ${route}: unexpected ${answer.status} ${JSON.stringify(answer.body)}`);
      }
      return { ...answer, retried: attempt > 0 };
    }
  }

  private async once(method: string, route: string, body?: unknown): Promise<Answer> {
    const started = performance.now();
    try {
      const response = await fetch(`${this.apiUrl}${route}`, {
        method,
        ...(body === undefined
          ? {}
          : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(60_000),
      });
      const text = await response.text();
      if (this.recording) this.latencies.push(performance.now() - started);
      let parsed: unknown = text;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        // a non-JSON body is kept as text
      }
      return { status: response.status, body: parsed, headers: response.headers };
    } catch (error) {
      return { status: 0, body: String(error), headers: new Headers() };
    }
  }
}

/** Runs the soak against `options.apiUrl` and checks the end state; never throws on a finding. */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const problems: string[] = [];
  const client = new Client(options.apiUrl, problems);
  const oracle = new Oracle();
  const random = seededRandom(options.seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const counts = { writes: 0, statusMismatches: 0, imports: 0 };
  const runIds = new Set<string>();
  const importIds: string[] = [];
  let lastAsOf = 0;
  /** A fresh asOf, strictly after every earlier one (so one writer's writes never tie). */
  const nextAsOf = () => {
    lastAsOf = Math.max(Date.now(), lastAsOf + 1);
    return new Date(lastAsOf).toISOString();
  };
  const expectStatus = (what: string, actual: string, expected: string, retried: boolean) => {
    if (actual === expected || (retried && actual === 'unchanged')) return;
    counts.statusMismatches++;
    problems.push(`${what}: answered ${actual}, the oracle expected ${expected}`);
  };

  const writerIds = Array.from({ length: options.writers }, (_, w) =>
    Array.from({ length: options.partnersPerWriter }, (_, i) => `w${w}-${String(i).padStart(3, '0')}`),
  );
  const importIds_ = Array.from({ length: 30 }, (_, i) => `imp-${String(i).padStart(3, '0')}`);

  const randomUpsert = (id: string, asOf: string): Upsert => {
    const metrics: Record<string, number | null> = {};
    for (const metric of METRICS) {
      const roll = random();
      if (roll < 0.5) metrics[metric] = Math.round(random() * 1000 * 100) / 100;
      else if (roll < 0.6) metrics[metric] = null;
    }
    return {
      id,
      ...(random() < 0.5 ? { name: `Partner ${id} ${Math.floor(random() * 3)}` } : {}),
      ...(random() < 0.3 ? { region: random() < 0.1 ? null : pick(REGIONS) } : {}),
      ...(random() < 0.3 ? { type: random() < 0.1 ? null : pick(TYPES) } : {}),
      metrics,
      asOf,
    };
  };

  const postPartners = async (upserts: Upsert[], what: string) => {
    const answer = await client.send('POST', '/partners', { partners: upserts });
    if (answer.status !== 200) return;
    counts.writes += upserts.length;
    upserts.forEach((upsert, i) => {
      const expected = oracle.apply(upsert);
      expectStatus(`${what} ${upsert.id}`, answer.body.results?.[i]?.status, expected, answer.retried);
    });
  };

  // Setup: every writer-owned partner exists before the importer sends old rows for them.
  for (const ids of writerIds) {
    await postPartners(
      ids.map((id) => randomUpsert(id, nextAsOf())),
      'setup',
    );
  }

  const deadline = Date.now() + options.durationMs;
  const running = () => Date.now() < deadline;

  const writer = async (ids: string[]) => {
    while (running()) {
      const id = pick(ids);
      const roll = random();
      const current = oracle.partners.get(id);
      if (roll < 0.55) {
        await postPartners([randomUpsert(id, nextAsOf())], 'upsert');
      } else if (roll < 0.7) {
        const batch = [...new Set(Array.from({ length: 5 }, () => pick(ids)))];
        await postPartners(
          batch.map((each) => randomUpsert(each, nextAsOf())),
          'batch upsert',
        );
      } else if (roll < 0.8) {
        // An older write than the stored one (or than the delete): stale, never applied.
        const before = current?.asOf ?? oracle.deletedAt.get(id);
        if (!before) continue;
        const asOf = new Date(Date.parse(before) - 86_400_000).toISOString();
        await postPartners([randomUpsert(id, asOf)], 'older upsert');
      } else if (roll < 0.9) {
        const answer = await client.send(
          'DELETE',
          `/partners/${encodeURIComponent(id)}`,
          undefined,
          [204, 404],
        );
        if (answer.status !== 204 && answer.status !== 404) continue;
        counts.writes++;
        const existed = oracle.delete(id, nextAsOf());
        const expected = existed ? 204 : 404;
        if (answer.status !== expected && !(answer.retried && answer.status === 404)) {
          counts.statusMismatches++;
          problems.push(`DELETE ${id}: answered ${answer.status}, the oracle expected ${expected}`);
        }
      } else {
        // Read-your-write: the store's read is strongly consistent.
        const answer = await client.send('GET', `/partners/${encodeURIComponent(id)}`, undefined, [200, 404]);
        const mismatch = compare(id, current, answer);
        if (mismatch) {
          counts.statusMismatches++;
          problems.push(`read-your-write ${mismatch}`);
        }
      }
    }
  };

  const importer = async () => {
    while (running()) {
      const asOf = nextAsOf();
      const lines = ['id,name,region,sales,transactions,reputation,asOf'];
      const expectedErrorLines: number[] = [];
      const good: Upsert[] = [];
      const cell = (value: number | undefined) => (value === undefined ? '' : String(value));
      for (const id of importIds_) {
        if (random() < 0.4) continue;
        const metrics: Record<string, number> = {};
        for (const metric of ['sales', 'transactions', 'reputation']) {
          if (random() < 0.8) metrics[metric] = Math.round(random() * 10_000) / 10;
        }
        const name = random() < 0.5 ? `Imported ${id} ${Math.floor(random() * 3)}` : undefined;
        const region = random() < 0.5 ? pick(REGIONS) : undefined;
        lines.push(
          [
            id,
            name ?? '',
            region ?? '',
            cell(metrics.sales),
            cell(metrics.transactions),
            cell(metrics.reputation),
            asOf,
          ].join(','),
        );
        good.push({ id, ...(name ? { name } : {}), ...(region ? { region } : {}), metrics, asOf });
      }
      // A later row for the same id wins (with a warning): applied in file order.
      const again = good[0];
      if (again) {
        const sales = Math.round(random() * 10_000) / 10;
        lines.push([again.id, '', '', String(sales), '', '', asOf].join(','));
        good.push({ id: again.id, metrics: { sales }, asOf });
      }
      // Bad rows: rejected with their line numbers; their ids must never appear.
      const badId = `bad-${counts.imports}`;
      oracle.ids.add(badId);
      lines.push(`${badId},Bad number,EMEA,12abc,1,2,${asOf}`);
      expectedErrorLines.push(lines.length);
      lines.push(`${badId}-short,too few fields`);
      oracle.ids.add(`${badId}-short`);
      expectedErrorLines.push(lines.length);
      // An old row for a partner an API writer owns: stale whatever the interleaving, so rejected.
      const old = pick(writerIds.flat());
      lines.push(`${old},Old import,OLD,1,1,1,${OLD_AS_OF}`);
      expectedErrorLines.push(lines.length);
      const csv = `${lines.join('\n')}\n`;

      const created = await client.send('POST', '/imports', {}, [201]);
      if (created.status !== 201) continue;
      const { importId, uploadUrl } = created.body as { importId: string; uploadUrl: string };
      importIds.push(importId);
      counts.imports++;
      const upload = await fetch(uploadUrl, {
        method: 'PUT',
        headers: { 'content-type': 'text/csv' },
        body: csv,
      });
      if (!upload.ok) {
        problems.push(`upload of import ${importId}: ${upload.status}`);
        continue;
      }
      const record = await waitForImport(importId);
      if (record?.status !== 'completed') continue;
      for (const upsert of good) oracle.apply(upsert);
      const rowsTotal = lines.length - 1;
      const errorLines = (record.errors as { line: number }[]).map((error) => error.line);
      if (
        record.rowsTotal !== rowsTotal ||
        record.rowsRejected !== expectedErrorLines.length ||
        record.rowsImported !== rowsTotal - expectedErrorLines.length ||
        JSON.stringify(errorLines) !== JSON.stringify(expectedErrorLines)
      ) {
        counts.statusMismatches++;
        problems.push(
          `import ${importId}: rowsTotal ${record.rowsTotal}/${rowsTotal}, rowsImported ${record.rowsImported}, rowsRejected ${record.rowsRejected}/${expectedErrorLines.length}, error lines ${errorLines}/${expectedErrorLines}`,
        );
      }
    }
  };

  /** Polls an import until it completed or failed (or the wait ran out: then `undefined`). */
  const waitForImport = async (importId: string, timeoutMs = 180_000) => {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const answer = await client.send('GET', `/imports/${importId}`);
      if (answer.status === 200 && (answer.body.status === 'completed' || answer.body.status === 'failed')) {
        if (answer.body.status === 'failed')
          problems.push(`import ${importId} failed: ${JSON.stringify(answer.body)}`);
        return answer.body;
      }
      await sleep(250);
    }
    problems.push(`import ${importId} did not finish within ${timeoutMs} ms`);
    return undefined;
  };

  const rescorer = async () => {
    let modelChanged = false;
    while (running()) {
      await sleep(Math.min(options.rescoreEveryMs, Math.max(0, deadline - Date.now())));
      if (!running()) break;
      if (!modelChanged && Date.now() > deadline - options.durationMs / 2) {
        modelChanged = true;
        const model = await client.send('GET', '/model');
        if (model.status !== 200) continue;
        const { version: _version, ...body } = model.body as {
          version: number;
          metrics: { weight: number }[];
        };
        body.metrics = body.metrics.map((metric, i) => ({
          ...metric,
          weight: metric.weight * (1 + (i % 3)),
        }));
        const changed = await client.send('PUT', '/model', body);
        if (changed.status === 200) runIds.add(changed.body.runId);
        continue;
      }
      const answer = await client.send('POST', '/rescore', undefined, [202]);
      if (answer.status === 202) runIds.add(answer.body.runId);
    }
  };

  const reader = async () => {
    const allIds = [...writerIds.flat(), ...importIds_];
    while (running()) {
      const roll = random();
      if (roll < 0.35) {
        const tier = random() < 0.3 ? `&tier=${pick(['Platinum', 'Gold', 'Silver', 'Bronze'])}` : '';
        const page = await client.send('GET', `/rankings?limit=50${tier}`);
        if (page.status === 200 && page.body.nextCursor) {
          // A run that switched in between makes the cursor a 400 that says to start again.
          await client.send(
            'GET',
            `/rankings?limit=50${tier}&cursor=${encodeURIComponent(page.body.nextCursor)}`,
            undefined,
            [200, 400],
          );
        }
      } else if (roll < 0.7) {
        await client.send('GET', `/partners/${encodeURIComponent(pick(allIds))}`, undefined, [200, 404]);
      } else if (roll < 0.8) {
        await client.send(
          'GET',
          `/partners/${encodeURIComponent(pick(allIds))}/history?limit=5`,
          undefined,
          [200, 404],
        );
      } else if (roll < 0.9) {
        const runs = await client.send('GET', '/runs?limit=10');
        for (const run of runs.body?.items ?? []) runIds.add(run.runId);
      } else {
        await client.send('GET', '/imports?limit=5');
      }
    }
  };

  options.log(
    `soak: ${options.writers} writers x ${options.partnersPerWriter} partners, ${options.readers} readers, an importer, rescores every ${options.rescoreEveryMs} ms, for ${options.durationMs / 1000} s`,
  );
  await Promise.all([
    ...writerIds.map((ids) => writer(ids)),
    ...Array.from({ length: options.readers }, () => reader()),
    importer(),
    rescorer(),
  ]);
  client.recording = false;
  const requests = client.latencies.length;
  const sorted = [...client.latencies].sort((a, b) => a - b);
  const quantile = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  options.log(`soak: traffic done (${requests} requests); settling imports and runs`);

  // Settle: no import left pending or processing; one more run after the last write, and no run running.
  let importsUnfinished = 0;
  for (const importId of importIds) {
    const record = await waitForImport(importId, 60_000);
    if (record?.status !== 'completed') importsUnfinished++;
  }
  const last = await client.send('POST', '/rescore', undefined, [202]);
  if (last.status === 202) runIds.add(last.body.runId);
  const finalRun = await waitForRunsToFinish(client, runIds, problems);
  const runs = await client.send('GET', '/runs?limit=100');
  const runRecords = (runs.body?.items ?? []) as { runId: string; status: string }[];
  for (const run of runRecords) runIds.add(run.runId);
  let runsUnfinished = 0;
  let runsCompleted = 0;
  for (const runId of runIds) {
    const run = await client.send('GET', `/runs/${encodeURIComponent(runId)}`);
    if (run.body?.status === 'completed') runsCompleted++;
    else if (run.body?.status === 'failed') {
      const reason = await options.runFailureReason(runId);
      if (!reason) {
        runsUnfinished++;
        problems.push(`run ${runId} failed without a reason`);
      }
    } else {
      runsUnfinished++;
      problems.push(`run ${runId} is ${run.body?.status}`);
    }
  }

  // Final state: every partner the soak touched equals the oracle's.
  let lost = 0;
  for (const id of oracle.ids) {
    const answer = await client.send('GET', `/partners/${encodeURIComponent(id)}`, undefined, [200, 404]);
    const mismatch = compare(id, oracle.partners.get(id), answer);
    if (mismatch) {
      lost++;
      problems.push(`final state ${mismatch}`);
    }
  }
  const rankingMismatches = finalRun ? await checkRanking(client, oracle, problems) : oracle.partners.size;

  return {
    requests,
    p50Ms: quantile(0.5),
    p99Ms: quantile(0.99),
    errors5xx: client.errors5xx,
    throttled503: client.throttled503,
    lost,
    statusMismatches: counts.statusMismatches,
    rankingMismatches,
    unexpected4xx: client.unexpected4xx,
    writes: counts.writes,
    imports: importIds.length,
    importsUnfinished,
    runs: runIds.size,
    runsCompleted,
    runsUnfinished,
    problems,
  };
}

/** `null` when the answer shows exactly `expected` (absent: a 404), else what differs. */
function compare(id: string, expected: PartnerState | undefined, answer: Answer): string | null {
  if (!expected) return answer.status === 404 ? null : `${id}: expected absent, got ${answer.status}`;
  if (answer.status !== 200) return `${id}: expected present, got ${answer.status}`;
  const { name, type, region, asOf } = answer.body as PartnerState;
  const metrics: Metrics = {};
  for (const [metric, value] of Object.entries((answer.body as PartnerState).metrics)) {
    metrics[normalise(metric)] = value;
  }
  if (sameState(expected, { name, type, region, metrics }) && asOf === expected.asOf) return null;
  return `${id}: expected ${JSON.stringify(expected)}, got ${JSON.stringify({ name, type, region, metrics, asOf })}`;
}

/**
 * Waits until no run is running and the ranking serves the newest run with `stale: false` (no partner
 * changed after it began: the service's own rule; a run already covering the last write needs no
 * follow-up). When idle but stale, asks for a run again. Returns whether that state was reached.
 */
async function waitForRunsToFinish(
  client: Client,
  runIds: Set<string>,
  problems: string[],
  timeoutMs = 300_000,
) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const runs = await client.send('GET', '/runs?limit=100');
    const items = (runs.body?.items ?? []) as { runId: string; status: string }[];
    for (const run of items) runIds.add(run.runId);
    if (items.length > 0 && items.every((run) => run.status !== 'running')) {
      const ranking = await client.send('GET', '/rankings?limit=1');
      if (ranking.body?.stale === false && ranking.body?.runId === items[0]?.runId) return true;
      const again = await client.send('POST', '/rescore', undefined, [202]);
      if (again.status === 202) runIds.add(again.body.runId);
    }
    await sleep(500);
  }
  problems.push(`no fresh ranking of a finished run after ${timeoutMs} ms`);
  return false;
}

/** The final ranking (fresh: no change after its run began) holds each live partner once. */
async function checkRanking(client: Client, oracle: Oracle, problems: string[]): Promise<number> {
  const seen = new Map<string, number>();
  let cursor: string | undefined;
  do {
    const page = await client.send(
      'GET',
      `/rankings?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    if (page.status !== 200) return oracle.partners.size;
    for (const item of page.body.items as { id: string }[]) seen.set(item.id, (seen.get(item.id) ?? 0) + 1);
    cursor = page.body.nextCursor ?? undefined;
  } while (cursor);
  let mismatches = 0;
  for (const id of oracle.partners.keys()) {
    if (seen.get(id) !== 1) {
      mismatches++;
      problems.push(`ranking: ${id} listed ${seen.get(id) ?? 0} times`);
    }
  }
  for (const id of seen.keys()) {
    if (!oracle.partners.has(id)) {
      mismatches++;
      problems.push(`ranking: ${id} is ranked but deleted or never written`);
    }
  }
  return mismatches;
}
