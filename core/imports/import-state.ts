import type { CsvDialect } from '../csv/dialect.ts';
import type { HeaderMap } from '../csv/header-map.ts';
import type {
  ImportCheckpoint,
  ImportProgress,
  ImportRowError,
  ImportSource,
  ImportStore,
  ModelStore,
  ObjectStore,
  PartnerStore,
  RescoreRequester,
} from '../ports.ts';
import { type DEFAULT_IMPORT_OPTIONS, IMPORT_LIMITS, type ImportOptions } from './import-limits.ts';

/*
 * What the steps of an import share (the steps: `functions/import-csv/steps/`, one file each): what
 * starts it, what it needs, the state each step hands the next, and how it ended.
 */

/** What starts an import workflow: an uploaded object version, or an owner's import to take over. */
export interface ImportStart {
  source: ImportSource;
  /** The owner whose unfinished import this execution continues (the local stack after a restart). */
  resumeOf?: string;
}

/** What the steps of an import need; `options` overrides {@link DEFAULT_IMPORT_OPTIONS} (tests use tiny chunks). */
export interface ImportDeps {
  partners: PartnerStore;
  imports: ImportStore;
  objects: ObjectStore;
  models: ModelStore;
  rescore: RescoreRequester;
  options?: Partial<ImportOptions>;
}

/** How an import workflow ended for this execution. */
export type ImportOutcome = 'completed' | 'failed' | 'duplicate' | 'older' | 'superseded';

/** The state one step hands to the next (checkpointed by the engine, so plain JSON and small). */
export interface ImportState {
  owner: string;
  /** Chunks committed; the next step commits chunk number `chunks`. */
  chunks: number;
  progress: ImportProgress;
  /** Set once the file is read to its end (or to a row that ends the import). */
  end?: { failure: ImportRowError | null };
}

/** The counts, errors, warnings and checkpoint of an import record. */
export function progressOf(record: ImportProgress): ImportProgress {
  const { rowsTotal, rowsImported, rowsRejected, warnings, errors, checkpoint } = record;
  return { rowsTotal, rowsImported, rowsRejected, warnings, errors, checkpoint };
}

/** `progress` with `error` first among its errors (at most `IMPORT_LIMITS.maxErrors` kept). */
export function withFirstError(progress: ImportProgress, error: ImportRowError): ImportProgress {
  return { ...progress, errors: [error, ...progress.errors].slice(0, IMPORT_LIMITS.maxErrors) };
}

/**
 * Where a retry or a continuation resumes: the next row's byte offset and line, with the file's
 * header, dialect and the header's mapping (made once, with the model active when the import began).
 */
export function checkpointAt(
  header: HeaderMap,
  dialect: CsvDialect,
  position: { offset: number; line: number },
  reportParts: number,
): ImportCheckpoint {
  const { id, name, type, region, asOf, metrics } = header;
  return {
    offset: position.offset,
    line: position.line,
    header: header.fields,
    delimiter: dialect.delimiter,
    recordDelimiter: dialect.recordDelimiter,
    reportParts,
    mapping: { id, name, type, region, asOf, metrics },
  };
}
