/**
 * Every call the console makes to the API, in one module (the typed client of the OpenAPI document
 * can replace the bodies of these functions without touching the views).
 */
import { type ApiSchemas, createApiClient, type operations } from '../../client/index.ts';
import { accessToken } from './auth.ts';

export interface FieldError {
  path: string;
  message: string;
}

export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
}

/** A non-2xx answer: the problem+json body when there was one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail || problem.title);
  }
}

export type RankingPage = ApiSchemas['RankingPage'];
/** A ranking row, with everything the leaderboard shows (coverage, region, type): no partner read per row. */
export type RankingItem = RankingPage['items'][number];

export interface RankingFilter {
  tier?: string | undefined;
  region?: string | undefined;
  type?: string | undefined;
}

export type Run = ApiSchemas['Run'];
export type Mover = ApiSchemas['Movers']['items'][number];
export type Partner = ApiSchemas['PartnerView'];
export type Score = Partner['score'];
export type BreakdownItem = Score['breakdown'][number];
export type PartnerSummary = ApiSchemas['PartnerSearch']['items'][number];
export type HistoryPoint = ApiSchemas['History']['items'][number];
export type Model = ApiSchemas['ScoringModelInput'];
export type ModelMetric = Model['metrics'][number];
export type ActiveModel = ApiSchemas['ActiveModel'];
export type Preview = ApiSchemas['ModelPreview'];
export type ImportStatus = ApiSchemas['ImportStatus'];
export type ImportSummary = ApiSchemas['ImportList']['items'][number];
export type WorklistItem = ApiSchemas['WorklistItem'];
export type WorklistPage = ApiSchemas['WorklistPage'];
export type QualityReport = ApiSchemas['QualityReport'];
export type QualityCheck = QualityReport['checks'][number];
export type QualityFailures = ApiSchemas['QualityFailures'];
export type WorklistFilter = {
  reason?: WorklistItem['reason'] | undefined;
  severity?: WorklistItem['severity'] | undefined;
};
export type WorklistAction = ApiSchemas['WorklistActionBody']['action'];
export type Me = ApiSchemas['Me'];
export type OwnScorecard = ApiSchemas['Scorecard'];
export type OwnHistory = ApiSchemas['ScorecardHistory'];

/** The JSON body of an operation's answer (for routes whose answers have no named schema). */
type Answer<Op extends keyof operations, Status extends number = 200> =
  operations[Op]['responses'] extends Record<Status, { content: { 'application/json': infer Body } }>
    ? Body
    : never;
// Lead distribution: the vendor's queue, decisions, policy and audit; the partner's offers.
export type LeadPage = Answer<'getLeads'>;
export type LeadSummary = LeadPage['items'][number];
export type LeadStatus = LeadSummary['status'];
export type Lead = Answer<'getLeadsByLeadId'>;
export type LeadOffer = Lead['offers'][number];
export type LeadDecision = NonNullable<LeadOffer['decision']>;
export type DistributionPolicy = Answer<'getDistributionPolicy'>;
export type DistributionAudit = Answer<'getDistributionAudit'>;
export type PartnerOffer = Answer<'getMeOffers'>['items'][number];

const JSON_TYPE = 'application/json';

async function request<T>(method: string, path: string, body?: unknown, accept = JSON_TYPE): Promise<T> {
  const headers: Record<string, string> = { accept };
  const token = accessToken();
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = JSON_TYPE;
  const response = await fetch(path, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) {
    let problem: Problem = {
      title: response.statusText,
      status: response.status,
      detail: text.slice(0, 300),
    };
    try {
      problem = JSON.parse(text) as Problem;
    } catch {
      // not problem+json (a proxy's error page): keep the text
    }
    throw new ApiError(response.status, problem);
  }
  if (accept !== JSON_TYPE) {
    // A long export comes in parts linked by `Link: <…>; rel="next"`; the parts concatenate.
    const next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
    return (next ? text + (await request<string>(method, next, undefined, accept)) : text) as T;
  }
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

const client = createApiClient({ baseUrl: location.origin, token: () => accessToken() ?? undefined });

/** The typed client's answer, or an {@link ApiError} carrying its problem+json. */
async function call<T>(answer: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await answer;
  if (!response.ok) {
    const problem =
      typeof error === 'object' && error !== null && 'status' in error
        ? (error as Problem)
        : { title: response.statusText, status: response.status, detail: String(error ?? '').slice(0, 300) };
    throw new ApiError(response.status, problem);
  }
  return data as T;
}

const text = (value: number | undefined) => (value === undefined ? undefined : String(value));

export const api = {
  rankings: (filter: RankingFilter, limit: number, cursor?: string) =>
    // JSON here (no format=csv): the typed answer also allows the CSV string.
    call(
      client.GET('/rankings', { params: { query: { ...filter, limit: text(limit), cursor } } }),
    ) as Promise<RankingPage>,
  /** The whole filtered ranking as CSV (every part the API links, concatenated). */
  rankingsCsv: (filter: RankingFilter) =>
    request<string>('GET', `/rankings${query({ ...filter, format: 'csv' })}`, undefined, 'text/csv'),
  partner: (id: string) => call(client.GET('/partners/{id}', { params: { path: { id } } })),
  history: (id: string, limit = 100) =>
    call(client.GET('/partners/{id}/history', { params: { path: { id }, query: { limit: text(limit) } } })),
  searchPartners: (search: string, limit: number, cursor?: string) =>
    call(client.GET('/partners', { params: { query: { search, limit: text(limit), cursor } } })),
  latestRun: () => call(client.GET('/runs/latest')),
  run: (runId: string) => call(client.GET('/runs/{runId}', { params: { path: { runId } } })),
  runs: (limit = 20) => call(client.GET('/runs', { params: { query: { limit: text(limit) } } })),
  movers: (runId: string, limit = 100) =>
    call(client.GET('/runs/{runId}/movers', { params: { path: { runId }, query: { limit: text(limit) } } })),
  rescore: () => call(client.POST('/rescore')),
  model: () => call(client.GET('/model')),
  modelVersions: () => call(client.GET('/model/versions')),
  /** Activates a stored version again: it becomes the next version and a run starts. */
  reactivateModel: (version: number) =>
    call(
      client.POST('/model/versions/{version}/activate', { params: { path: { version: String(version) } } }),
    ),
  activateModel: (model: Model) => call(client.PUT('/model', { body: model })),
  previewModel: (model: Model, limit = 100) =>
    call(client.POST('/model/preview', { params: { query: { limit: text(limit) } }, body: model })),
  createImport: () => call(client.POST('/imports', { body: {} })),
  importStatus: (importId: string) =>
    call(client.GET('/imports/{importId}', { params: { path: { importId } } })),
  imports: (limit = 20) => call(client.GET('/imports', { params: { query: { limit: text(limit) } } })),
  worklist: (filter: WorklistFilter, limit = 500, includeSnoozed = false, cursor?: string) =>
    call(
      client.GET('/worklist', {
        params: {
          query: {
            ...(filter.reason ? { reason: filter.reason } : {}),
            ...(filter.severity ? { severity: filter.severity } : {}),
            ...(includeSnoozed ? { includeSnoozed: 'true' as const } : {}),
            limit: text(limit),
            cursor,
          },
        },
      }),
    ),
  /** `snooze` (until a date, or until the severity rises), `dismiss`, or `done`. */
  actOnItem: (itemId: string, action: WorklistAction, until?: string) =>
    call(
      client.POST('/worklist/{itemId}/actions', {
        params: { path: { itemId } },
        body: { action, ...(until ? { until } : {}) },
      }),
    ),
  qualityLatest: () => call(client.GET('/quality/latest')),
  qualityFailures: (runId: string, check: QualityCheck['check'], metric: string | null, limit = 100) =>
    call(
      client.GET('/quality/{runId}/checks/{check}/failures', {
        params: {
          path: { runId, check },
          query: { ...(metric ? { metric } : {}), limit: text(limit) },
        },
      }),
    ),
  leads: (status: LeadStatus | undefined, limit = 50, cursor?: string) =>
    call(client.GET('/leads', { params: { query: { status, limit: text(limit), cursor } } })),
  lead: (leadId: string) => call(client.GET('/leads/{leadId}', { params: { path: { leadId } } })),
  /** A manual offer of an unassigned lead to a partner. */
  assignLead: (leadId: string, partnerId: string) =>
    call(client.POST('/leads/{leadId}/assign', { params: { path: { leadId } }, body: { partnerId } })),
  distributionPolicy: () => call(client.GET('/distribution/policy')),
  saveDistributionPolicy: (policy: DistributionPolicy) =>
    call(client.PUT('/distribution/policy', { body: policy })),
  /** Per partner in `period` (`2026-12`; the current one without): entitled, offered, accepted… */
  distributionAudit: (period?: string) =>
    call(client.GET('/distribution/audit', { params: { query: { period } } })),
  // The partner portal (a partner user's own data; its partner comes from its token alone).
  me: () => call(client.GET('/me')),
  myScorecard: () => call(client.GET('/me/scorecard')),
  myHistory: (limit = 30) =>
    call(client.GET('/me/scorecard/history', { params: { query: { limit: text(limit) } } })),
  myOffers: () => call(client.GET('/me/offers')),
  acceptOffer: (offerId: string) =>
    call(client.POST('/me/offers/{offerId}/accept', { params: { path: { offerId } } })),
  declineOffer: (offerId: string) =>
    call(client.POST('/me/offers/{offerId}/decline', { params: { path: { offerId } } })),
};

/** PUTs a file to a presigned URL, reporting upload progress (fetch cannot report it; XHR can). */
export function uploadFile(url: string, file: Blob, onProgress: (fraction: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    xhr.setRequestHeader('content-type', 'text/csv');
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    xhr.onload = () =>
      xhr.status >= 200 && xhr.status < 300
        ? resolve()
        : reject(
            new Error(`The upload was refused (HTTP ${xhr.status}). Try again, or upload with aws s3 cp.`),
          );
    xhr.onerror = () => reject(new Error('The upload failed: the storage endpoint could not be reached.'));
    xhr.send(file);
  });
}
