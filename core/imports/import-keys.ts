import { createHash } from 'node:crypto';

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

/** Characters an import id keeps from its key; any other is replaced by `_` in the readable part. */
const PLAIN_NAME = /^[A-Za-z0-9._-]{1,200}$/;

/** Hex digits of the key's SHA-256 that an id of a key not spelled {@link PLAIN_NAME} ends in. */
const KEY_HASH_DIGITS = 20;

/** An id of a key not spelled {@link PLAIN_NAME}: its readable part, `~`, the hash. */
const HASHED_NAME = new RegExp(
  `^[A-Za-z0-9._-]{0,${200 - 1 - KEY_HASH_DIGITS}}~[0-9a-f]{${KEY_HASH_DIGITS}}$`,
);

/**
 * The import id of an uploaded key, one per exact key (two keys are two imports, whatever their
 * spelling). A key `imports/NAME.csv` whose NAME holds only letters, digits, `.`, `_` and `-` (at
 * most 200) has the id NAME (`imports/partners.csv` → `partners`; for uploads through
 * `POST /imports` the id the API returned). Any other key (another character, `.CSV`, a longer
 * name) has a readable part (the name, other characters as `_`, cut to fit) then `~` and 20 hex
 * digits of the SHA-256 of the exact key (`imports/May 2024.csv` → `May_2024~3f…`): ids of the
 * first kind never hold `~`, so the two kinds never meet, and different keys differ in their hash.
 */
export function importIdFromKey(key: string): string {
  const name = key.slice(IMPORT_PREFIX.length, key.length - '.csv'.length);
  if (key.endsWith('.csv') && PLAIN_NAME.test(name)) return name;
  const hash = createHash('sha256').update(key, 'utf8').digest('hex').slice(0, KEY_HASH_DIGITS);
  const readable = name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 200 - 1 - KEY_HASH_DIGITS);
  return `${readable}~${hash}`;
}

/**
 * An import record holds another object key than the upload claiming it: ids are one per key
 * ({@link importIdFromKey}), so this means a record written under another rule. Retrying cannot
 * cure it; the upload is not imported rather than mixed into another key's import.
 */
export class ImportKeyMismatchError extends Error {
  override readonly name = 'ImportKeyMismatchError';
  constructor(source: { importId: string; key: string }, storedKey: string) {
    super(
      `import ${source.importId} belongs to the object key ${JSON.stringify(storedKey)}, not ${JSON.stringify(source.key)}: upload the file under another name`,
    );
  }
}

/** Whether a path parameter can be an import id (what {@link importIdFromKey} produces). */
export function isImportId(value: string): boolean {
  return PLAIN_NAME.test(value) || HASHED_NAME.test(value);
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
