/**
 * Every call the console makes to the API, in one module (the typed client of the OpenAPI document
 * can replace the bodies of these functions without touching the views).
 */
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

export interface RankingItem {
  rank: number;
  id: string;
  name: string;
  score: number;
  tier: string | null;
  previousRank: number | null;
  region?: string | null;
  type?: string | null;
}

export interface RankingPage {
  runId: string | null;
  modelVersion: number | null;
  scoredAt: string | null;
  stale: boolean;
  items: RankingItem[];
  nextCursor: string | null;
}

export interface RankingFilter {
  tier?: string | undefined;
  region?: string | undefined;
  type?: string | undefined;
}

export interface Run {
  runId: string;
  status: 'running' | 'completed' | 'failed';
  startedAt: string;
  finishedAt: string | null;
  partners: number | null;
  modelVersion: number;
  tierChanges: number | null;
  tiers?: Record<string, number>;
  reason?: string;
}

export interface Mover {
  id: string;
  name?: string;
  rank: number | null;
  previousRank: number | null;
  score: number | null;
  previousScore: number | null;
  tier: string | null;
  previousTier: string | null;
}

export interface BreakdownItem {
  metric: string;
  group: string;
  raw: number | null;
  normalized: number | null;
  weight: number;
  contribution: number;
}

export interface Score {
  value: number | null;
  tier: string | null;
  rank: number | null;
  percentile: number | null;
  provisional: boolean;
  modelVersion: number;
  runId: string | null;
  coverage: number | null;
  nextTier: { name: string; pointsNeeded: number } | null;
  breakdown: BreakdownItem[];
  groups: Record<string, number>;
}

export interface Partner {
  id: string;
  name: string;
  type: string | null;
  region: string | null;
  metrics: Record<string, number | null>;
  asOf: string;
  score: Score;
}

export interface PartnerSummary {
  id: string;
  name: string;
  type: string | null;
  region: string | null;
}

export interface HistoryPoint {
  runId: string;
  scoredAt: string;
  score: number;
  rank: number;
  tier: string | null;
}

export interface ModelMetric {
  name: string;
  group: 'business' | 'relationship';
  weight: number;
  normalization: 'none' | 'minmax' | 'log' | 'zscore' | 'percentile';
  direction: 'higher' | 'lower';
  missing: 'zero' | 'neutral' | 'exclude';
  cap: { min: number | null; max: number | null };
  halfLifeDays: number | null;
}

export interface Model {
  metrics: ModelMetric[];
  tiers: { name: string; minScore: number }[];
  tierHysteresis: number;
}

export interface ActiveModel extends Model {
  version: number;
}

export interface Preview {
  partners: number;
  tierChanges: number;
  movers: {
    id: string;
    rank: number;
    previewRank: number;
    score: number;
    previewScore: number;
    tier: string | null;
    previewTier: string | null;
  }[];
}

export interface ImportStatus {
  importId: string;
  status: 'pending' | 'processing' | 'completed' | 'failed';
  rowsTotal: number | null;
  rowsImported: number | null;
  rowsRejected: number | null;
  warnings: string[];
  errors: { line: number; column: number | string | null; message: string }[];
  errorReport: string | null;
  createdAt?: string;
  fileName?: string;
}

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
    if (!(response.headers.get('content-type') ?? '').startsWith(accept)) {
      throw new ApiError(response.status, {
        title: 'Not supported',
        status: response.status,
        detail: `This API does not answer ${accept} here yet: update the service.`,
      });
    }
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

export const api = {
  rankings: (filter: RankingFilter, limit: number, cursor?: string) =>
    request<RankingPage>('GET', `/rankings${query({ ...filter, limit, cursor })}`),
  /** The whole filtered ranking as CSV (every part the API links, concatenated). */
  rankingsCsv: (filter: RankingFilter) =>
    request<string>('GET', `/rankings${query({ ...filter, format: 'csv' })}`, undefined, 'text/csv'),
  partner: (id: string) => request<Partner>('GET', `/partners/${encodeURIComponent(id)}`),
  history: (id: string, limit = 100) =>
    request<{ items: HistoryPoint[] }>(
      'GET',
      `/partners/${encodeURIComponent(id)}/history${query({ limit })}`,
    ),
  searchPartners: (search: string, limit: number, cursor?: string) =>
    request<{ items: PartnerSummary[]; nextCursor: string | null }>(
      'GET',
      `/partners${query({ search, limit, cursor })}`,
    ),
  latestRun: () => request<Run>('GET', '/runs/latest'),
  run: (runId: string) => request<Run>('GET', `/runs/${encodeURIComponent(runId)}`),
  runs: (limit = 20) => request<{ items: Run[] }>('GET', `/runs${query({ limit })}`),
  movers: (runId: string, limit = 100) =>
    request<{ items: Mover[] }>('GET', `/runs/${encodeURIComponent(runId)}/movers${query({ limit })}`),
  rescore: () => request<{ runId: string; status: string }>('POST', '/rescore'),
  model: () => request<ActiveModel>('GET', '/model'),
  modelVersions: () =>
    request<{ items: { version: number; activatedAt: string }[] }>('GET', '/model/versions'),
  /** Activates a stored version again: it becomes the next version and a run starts. */
  reactivateModel: (version: number) =>
    request<{ version: number; runId: string }>('POST', `/model/versions/${version}/activate`),
  activateModel: (model: Model) => request<{ version: number; runId: string }>('PUT', '/model', model),
  previewModel: (model: Model, limit = 100) =>
    request<Preview>('POST', `/model/preview${query({ limit })}`, model),
  createImport: () =>
    request<{ importId: string; uploadUrl: string; expiresAt: string }>('POST', '/imports', {}),
  importStatus: (importId: string) =>
    request<ImportStatus>('GET', `/imports/${encodeURIComponent(importId)}`),
  imports: (limit = 20) => request<{ items: ImportStatus[] }>('GET', `/imports${query({ limit })}`),
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

/** Whether an error means the API has no such route yet (an older deployment). */
export function isMissingRoute(error: unknown): boolean {
  return (
    error instanceof ApiError &&
    (error.status === 404 || error.status === 405) &&
    /No route/.test(error.message)
  );
}
