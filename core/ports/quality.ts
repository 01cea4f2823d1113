/** Ports of data-quality reports. */
import type { QualityFailure, QualityReportBody } from '../api/quality.schema.ts';
import type { QualityCheckName } from '../quality/quality-checks.ts';

/** A run's data-quality report as stored: what `GET /quality/latest` serves, plus the medians. */
export type QualityReport = QualityReportBody & {
  /** Each metric's median (the next run's drift check compares against it). */
  medians: Record<string, number | null>;
};

/** A stored page of a check's failing partners (at most `FAILURES_PAGE_SIZE`, `core/quality/quality-checks.ts`). */
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
