/**
 * Key builders of the single table: the only place that knows how keys are spelled.
 *
 * | item                    | pk                            | sk                          |
 * | ----------------------- | ----------------------------- | --------------------------- |
 * | partner                 | `PARTNERS#<shard>`            | `P#<id>`                    |
 * | score record (history)  | `HISTORY#<id>`                | `<scoredAt ISO>#<runId>`    |
 * | run                     | `RUN#<runId>`                 | `RUN`                       |
 * | run log entry           | `RUNS`                        | `<runId>` (time-ordered)    |
 * | run movers page         | `RUN#<runId>`                 | `MOVERS#<page, 6 digits>`   |
 * | run statistics          | `RUN#<runId>`                 | `STATS`                     |
 * | ranking page            | `RANKING#<runId>#<list>#<page mod 8>` | `PAGE#<page, 6 digits>` |
 * | search index page       | `SEARCH#<runId>#<bucket>`     | `<fence: last key, page>`   |
 * | model version           | `MODEL`                       | `V#<version, 9 digits>`     |
 * | import                  | `IMPORT#<importId>`           | `IMPORT`                    |
 * | import log entry        | `IMPORTS`                     | `<createdAt ISO>#<importId>` |
 * | partner user (membership) | `USER#<userId>`             | `USER`                      |
 * | partner's user entry    | `PARTNER_USERS#<partnerId>`   | `<userId>`                  |
 * | email claim             | `USER_EMAIL#<email>`          | `EMAIL`                     |
 * | singletons (pointers)   | `META`                        | `CURRENT_RUN` (+ run single flight) · `ACTIVE_MODEL` · `CHANGED` · `WORKLIST` · `WORKLIST_CONFIG` |
 * | worklist page           | `WORKLIST#<runId>#<list>#<page mod 8>` | `PAGE#<page, 6 digits>` |
 * | worklist item           | `WLITEM#<itemId>`             | `ITEM`                      |
 * | worklist action log     | `WORKLIST_ACTIONS`            | `<actedAt ISO>#<itemId>`    |
 * | quality report          | `RUN#<runId>`                 | `QUALITY`                   |
 * | quality failures page   | `QUALITY#<runId>#<check>#<metric>` | `PAGE#<page, 6 digits>` |
 * | change journal entry    | `CHANGES#<part>`              | `<written ISO>#<token>`     |
 * | distribution policy     | `META`                        | `DISTRIBUTION_POLICY`       |
 * | lead                    | `LEAD#<leadId>`               | `LEAD`                      |
 * | lead log entry          | `LEADS`                       | `<createdAt ISO>#<leadId>`  |
 * | lead offer              | `OFFERS#<partnerId>`          | `<offerId>`                 |
 * | distribution head       | `DIST#<yyyy-mm>`              | `HEAD`                      |
 * | distribution counters   | `DIST#<yyyy-mm>#<shard, 3 digits>` | `SHARD`                |
 * | audit item              | `AUDIT#<yyyy-mm>`             | `<at ISO>#<write id>`       |
 * | … its copy by action    | `AUDIT#<yyyy-mm>#A#<action>`  | the same                    |
 * | … its copy by target    | `AUDIT#<yyyy-mm>#T#<target>`  | the same                    |
 *
 * Partners are spread over {@link PARTNER_SHARDS} partitions so that a full read is N parallel
 * queries that touch only partner items (a table Scan would also read every history record), and so
 * that bulk imports spread their writes over many partitions.
 */

/**
 * Partition keys the pages of one ranking list are spread over (page number mod this). A run writes a
 * list's pages from many writers at once, and one partition key takes about 1,000 write units per
 * second: on one key, the `all` list of 10M partners (≈ 1M write units) alone would take 17 minutes.
 * Part of the key scheme, like {@link PARTNER_SHARDS}.
 */
export const RANKING_PAGE_KEYS = 8;

/**
 * Partition keys the partner change journal is spread over (see `DynamoPartnerStore.changedSince`),
 * so that many small writers do not meet on one key's 1,000 write units per second.
 */
export const CHANGE_JOURNAL_KEYS = 8;

/** Number of partner partitions. Part of the key scheme: changing it needs a data migration. */
export const PARTNER_SHARDS = 32;

/** What every audit item's partition key starts with (and no other item's). */
export const AUDIT_PK_PREFIX = 'AUDIT#';

export interface ItemKey {
  pk: string;
  sk: string;
}

/** FNV-1a over the UTF-16 code units of the id: stable, fast, evenly spread. */
export function partnerShard(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % PARTNER_SHARDS;
}

export const keys = {
  partner: (id: string): ItemKey => ({ pk: partnerShardPk(partnerShard(id)), sk: `P#${id}` }),
  partnerShardPk,
  partnerSkPrefix: 'P#',
  partnerIdFromSk: (sk: string): string => sk.slice(2),

  scoreRecord: (id: string, scoredAt: string, runId: string): ItemKey => ({
    pk: `HISTORY#${id}`,
    sk: `${scoredAt}#${runId}`,
  }),
  historyPk: (id: string): string => `HISTORY#${id}`,

  run: (runId: string): ItemKey => ({ pk: `RUN#${runId}`, sk: 'RUN' }),
  runStatistics: (runId: string): ItemKey => ({ pk: `RUN#${runId}`, sk: 'STATS' }),
  /** One entry per run in one partition, so recent runs are one Query (run ids sort by start time). */
  runLogEntry: (runId: string): ItemKey => ({ pk: 'RUNS', sk: runId }),
  runLogPk: 'RUNS',
  runMoversPage: (runId: string, page: number): ItemKey => ({
    pk: `RUN#${runId}`,
    sk: `MOVERS#${String(page).padStart(6, '0')}`,
  }),

  rankingPage: (runId: string, list: string, page: number): ItemKey => ({
    pk: rankingListPk(runId, list, page % RANKING_PAGE_KEYS),
    sk: `PAGE#${String(page).padStart(6, '0')}`,
  }),
  rankingListPk,

  /** A page of a run's partner search index, sorted by its fence (see `core/partners/search-index.ts`). */
  searchPage: (runId: string, bucket: number, fence: string): ItemKey => ({
    pk: searchPk(runId, bucket),
    sk: fence,
  }),
  searchPk,

  modelVersion: (version: number): ItemKey => ({ pk: 'MODEL', sk: `V#${String(version).padStart(9, '0')}` }),
  modelPk: 'MODEL',

  importRecord: (importId: string): ItemKey => ({ pk: `IMPORT#${importId}`, sk: 'IMPORT' }),
  /** One entry per import in one partition, newest last by creation time, so recent imports are one Query. */
  importLogEntry: (createdAt: string, importId: string): ItemKey => ({
    pk: 'IMPORTS',
    sk: `${createdAt}#${importId}`,
  }),
  importLogPk: 'IMPORTS',

  worklistPage: (runId: string, list: string, page: number): ItemKey => ({
    pk: `WORKLIST#${runId}#${list}#${page % RANKING_PAGE_KEYS}`,
    sk: `PAGE#${String(page).padStart(6, '0')}`,
  }),
  worklistItem: (itemId: string): ItemKey => ({ pk: `WLITEM#${itemId}`, sk: 'ITEM' }),
  /** Actions are few (people take them): one partition, time-ordered, so "since the run" is one Query. */
  worklistAction: (actedAt: string, itemId: string): ItemKey => ({
    pk: 'WORKLIST_ACTIONS',
    sk: `${actedAt}#${itemId}`,
  }),
  worklistActionsPk: 'WORKLIST_ACTIONS',
  worklistHead: { pk: 'META', sk: 'WORKLIST' } as ItemKey,
  worklistConfig: { pk: 'META', sk: 'WORKLIST_CONFIG' } as ItemKey,
  qualityReport: (runId: string): ItemKey => ({ pk: `RUN#${runId}`, sk: 'QUALITY' }),
  /** `metric` is `-` for checks of no metric. */
  qualityFailuresPage: (runId: string, check: string, metric: string, page: number): ItemKey => ({
    pk: `QUALITY#${runId}#${check}#${metric}`,
    sk: `PAGE#${String(page).padStart(6, '0')}`,
  }),
  /**
   * The audit trail (`core/audit/`): one partition per month, newest last by time, so a listing is a
   * descending Query per month; the copies by action and by target make `?action=` and `?target=`
   * Queries of their own partitions rather than filters over every write. Every audit key starts
   * with {@link AUDIT_PK_PREFIX} (IAM grants on audit items match it).
   */
  auditLogPk: (month: string): string => `${AUDIT_PK_PREFIX}${month}`,
  auditByActionPk: (month: string, action: string): string => `${AUDIT_PK_PREFIX}${month}#A#${action}`,
  auditByTargetPk: (month: string, target: string): string => `${AUDIT_PK_PREFIX}${month}#T#${target}`,
  auditSk: (at: string, id: string): string => `${at}#${id}`,
  /** A partner user's membership, looked up by the token's `sub` on every `/me` request. */
  partnerUser: (userId: string): ItemKey => ({ pk: `USER#${userId}`, sk: 'USER' }),
  /** The same membership in its partner's list (one Query lists a partner's users). */
  partnerUserEntry: (partnerId: string, userId: string): ItemKey => ({
    pk: `PARTNER_USERS#${partnerId}`,
    sk: userId,
  }),
  partnerUsersPk: (partnerId: string): string => `PARTNER_USERS#${partnerId}`,
  /** Which partner an email address belongs to (lowercased): one address, one partner. */
  userEmail: (email: string): ItemKey => ({ pk: `USER_EMAIL#${email}`, sk: 'EMAIL' }),

  distributionPolicy: { pk: 'META', sk: 'DISTRIBUTION_POLICY' } as ItemKey,
  lead: (leadId: string): ItemKey => ({ pk: `LEAD#${leadId}`, sk: 'LEAD' }),
  /** One entry per lead in one partition, newest last by creation time: the lead list is one Query. */
  leadLogEntry: (createdAt: string, leadId: string): ItemKey => ({
    pk: 'LEADS',
    sk: `${createdAt}#${leadId}`,
  }),
  leadLogPk: 'LEADS',
  /** A partner's offers in its own partition: `/me/offers` is one Query, another partner's offer is no key of its own. */
  leadOffer: (partnerId: string, offerId: string): ItemKey => ({ pk: `OFFERS#${partnerId}`, sk: offerId }),
  leadOffersPk: (partnerId: string): string => `OFFERS#${partnerId}`,
  distributionHead: (period: string): ItemKey => ({ pk: `DIST#${period}`, sk: 'HEAD' }),
  distributionShard: (period: string, shard: number): ItemKey => ({
    pk: `DIST#${period}#${String(shard).padStart(3, '0')}`,
    sk: 'SHARD',
  }),
  currentRun: { pk: 'META', sk: 'CURRENT_RUN' } as ItemKey,
  activeModel: { pk: 'META', sk: 'ACTIVE_MODEL' } as ItemKey,
  partnersChanged: { pk: 'META', sk: 'CHANGED' } as ItemKey,
  /** One entry of the partner change journal: the ids a write batch was about to write at `writtenAt`. */
  changeJournal: (part: number, writtenAt: string, token: string): ItemKey => ({
    pk: changeJournalPk(part),
    sk: `${writtenAt}#${token}`,
  }),
  changeJournalPk,
} as const;

function partnerShardPk(shard: number): string {
  return `PARTNERS#${String(shard).padStart(2, '0')}`;
}

function changeJournalPk(part: number): string {
  return `CHANGES#${part}`;
}

function searchPk(runId: string, bucket: number): string {
  return `SEARCH#${runId}#${String(bucket).padStart(2, '0')}`;
}

/** The partition key of one part of a ranking list: the pages whose number mod {@link RANKING_PAGE_KEYS} is `part`. */
function rankingListPk(runId: string, list: string, part: number): string {
  return `RANKING#${runId}#${list}#${part}`;
}
