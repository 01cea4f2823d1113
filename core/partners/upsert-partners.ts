import type { UpsertResult } from '../api/partners.schema.ts';
import { mapWithConcurrency } from '../concurrency.ts';
import type { ModelStore, PartnerStore, RunStore } from '../ports.ts';
import { provisionalScore } from '../scoring/explain.ts';
import { parsePartnerRequest } from './partner.schema.ts';

export interface UpsertPartnersDeps {
  partners: Pick<PartnerStore, 'upsert'>;
  models: Pick<ModelStore, 'getActive'>;
  runs: Pick<RunStore, 'getCurrent' | 'getStatistics' | 'getScoreRecord'>;
  now: () => number;
}

/**
 * `POST /partners`: validates every item against the active model first (nothing is written if
 * one is invalid), upserts them, then scores each written partner provisionally against the
 * current run's statistics (its tier in that run gives the hysteresis).
 */
export async function upsertPartners(deps: UpsertPartnersDeps, body: unknown): Promise<UpsertResult[]> {
  const { model } = await deps.models.getActive();
  const nowMs = deps.now();
  const upserts = parsePartnerRequest(body, model, new Date(nowMs).toISOString());
  const outcomes = await deps.partners.upsert(upserts);
  const current = await deps.runs.getCurrent();
  const stats = current ? await deps.runs.getStatistics(current.runId) : null;
  return mapWithConcurrency(outcomes, 16, async (outcome): Promise<UpsertResult> => {
    const base = { id: outcome.id, status: outcome.status, score: null, tier: null };
    if (!current || !stats || !outcome.partner) return { ...base, provisional: outcome.status !== 'stale' };
    const record = await deps.runs.getScoreRecord(outcome.id, current.scoredAt, current.runId);
    const score = provisionalScore(model, stats, outcome.partner, nowMs, record?.tier ?? null);
    return { ...base, score: score.value, tier: score.tier, provisional: true };
  });
}
