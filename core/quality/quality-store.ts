import type { QualityCheck, QualityCheckName, QualityFailure, QualityStatus } from './quality-checks.ts';

/** A run's data-quality report as stored and served by `GET /quality/latest`. */
export interface QualityReport {
  runId: string;
  status: QualityStatus;
  checks: QualityCheck[];
  /** Each metric's median (the next run's drift check compares against it). */
  medians: Record<string, number | null>;
}

/** Failing partners per stored page. */
export const FAILURES_PAGE_SIZE = 500;

/** A stored page of a check's failing partners (at most {@link FAILURES_PAGE_SIZE}). */
export interface QualityFailuresPage {
  page: number;
  items: QualityFailure[];
}

/** Data-quality reports and their failing partners, in bounded pages. */
export interface QualityStore {
  /** Stores the report and sets the run record's overall `quality` status. */
  putReport(report: QualityReport, expiresAtSeconds: number): Promise<void>;
  getReport(runId: string): Promise<QualityReport | null>;
  putFailures(
    runId: string,
    check: QualityCheckName,
    metric: string | null,
    pages: readonly QualityFailuresPage[],
    expiresAtSeconds: number,
  ): Promise<void>;
  /** Pages `fromPage … fromPage + count − 1` of a check's failures (fewer at the end). */
  getFailures(
    runId: string,
    check: QualityCheckName,
    metric: string | null,
    fromPage: number,
    count: number,
  ): Promise<QualityFailuresPage[]>;
}
