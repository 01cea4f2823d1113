import { keys } from '../keys.ts';
import type { CurrentRunPointer, RunRecord, ScoreRecord } from '../ports.ts';
import { decodeEntries } from '../ranking/ranking-store.ts';

// How the run store's records are items of the single table (keys from `keys.ts`).

type Item = Record<string, unknown>;

/** A run's record from its item. */
export function toRun(item: Item): RunRecord {
  return {
    runId: String(item.runId),
    status: item.status as RunRecord['status'],
    reason: item.reason as RunRecord['reason'],
    startedAt: String(item.startedAt),
    finishedAt: (item.finishedAt as string | null | undefined) ?? null,
    partners: (item.partners as number | null | undefined) ?? null,
    modelVersion: Number(item.modelVersion),
    tierChanges: (item.tierChanges as number | null | undefined) ?? null,
    ...(item.error ? { error: String(item.error) } : {}),
    ...(item.lists ? { lists: item.lists as Record<string, number> } : {}),
    ...(typeof item.quality === 'string'
      ? { quality: item.quality as NonNullable<RunRecord['quality']> }
      : {}),
  };
}

/** The pointer item as the current run, or `null` while it only holds single flight (before the first switch). */
export function toPointer(item: Item): CurrentRunPointer | null {
  if (typeof item.runId !== 'string') return null;
  return {
    runId: String(item.runId),
    modelVersion: Number(item.modelVersion),
    scoredAt: String(item.scoredAt),
    ...(typeof item.head === 'string' ? { head: decodeEntries(item.head) } : {}),
  };
}

/** A partner's score record of one run from its history item (`id` is the partner's). */
export function toScoreRecord(id: string, item: Item): ScoreRecord {
  const [score, rank, tier, percentile, normalized] = JSON.parse(String(item.result)) as [
    number,
    number,
    string | null,
    number,
    Record<string, number | null>,
  ];
  return {
    id,
    runId: String(item.runId),
    scoredAt: String(item.scoredAt),
    score,
    rank,
    tier,
    percentile,
    normalized,
  };
}

/**
 * A score record's history item, expiring at `expiresAtSeconds`. The numbers travel as one JSON
 * string: exact doubles of any size (the document client refuses numbers beyond 2^53, which a
 * `none`-normalised score can reach), and a smaller item.
 */
export function scoreRecordItem(record: ScoreRecord, expiresAtSeconds: number): Item {
  return {
    ...keys.scoreRecord(record.id, record.scoredAt, record.runId),
    runId: record.runId,
    scoredAt: record.scoredAt,
    result: JSON.stringify([record.score, record.rank, record.tier, record.percentile, record.normalized]),
    expiresAt: expiresAtSeconds,
  };
}
