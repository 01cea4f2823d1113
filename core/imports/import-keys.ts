/** Prefix under which uploaded CSV files start an import. */
export const IMPORT_PREFIX = 'imports/';

/**
 * Key suffixes whose uploads start an import. S3 notification suffix filters are case-sensitive,
 * so the stack subscribes to each spelling (the local trigger mirrors it); the import itself
 * accepts any case ({@link isImportKey}).
 */
export const IMPORT_SUFFIXES = ['.csv', '.CSV'] as const;

const REPORT_SUFFIX = '.errors.csv';

/** Object key an upload through `POST /imports` goes to. */
export function uploadKey(importId: string): string {
  return `${IMPORT_PREFIX}${importId}.csv`;
}

/** The error-report CSV beside an import's file. The import trigger skips such keys. */
export function errorReportKey(importId: string): string {
  return `${IMPORT_PREFIX}${importId}${REPORT_SUFFIX}`;
}

/** One segment of the error report, written at a checkpoint; not a `.csv`, so it never triggers an import. */
export function errorReportPartKey(importId: string, part: number): string {
  return `${IMPORT_PREFIX}${importId}.errors.part-${String(part).padStart(6, '0')}`;
}

/** Whether an object key is a CSV file to import (under `imports/`, `.csv`, not an error report). */
export function isImportKey(key: string): boolean {
  const lower = key.toLowerCase();
  return key.startsWith(IMPORT_PREFIX) && lower.endsWith('.csv') && !lower.endsWith(REPORT_SUFFIX);
}

/**
 * The import id of an uploaded key: the path after `imports/` without `.csv`, every character
 * other than letters, digits, `.`, `_` and `-` replaced by `_` (`imports/May 2024.csv` → `May_2024`).
 * For uploads through `POST /imports` this is the id the API returned.
 */
export function importIdFromKey(key: string): string {
  return key
    .slice(IMPORT_PREFIX.length, key.length - '.csv'.length)
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .slice(0, 200);
}

/** Whether a path parameter can be an import id (what {@link importIdFromKey} produces). */
export function isImportId(value: string): boolean {
  return /^[A-Za-z0-9._-]{1,200}$/.test(value);
}

/**
 * Encodes an object key as S3 does in event notifications: form encoding (a space is `+`, only
 * letters, digits and `.-*_` stay as they are) with the `/` separators kept.
 */
export function encodeEventKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/%20/g, '+')
    .replace(/[!'()~]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%2F/g, '/');
}
