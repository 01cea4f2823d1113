import type { ImportRowError } from '../api/imports.schema.ts';

/**
 * A cell made safe for spreadsheets: a leading `=`, `+`, `-` or `@` (also after a tab or CR) would
 * start a formula, so such cells get a leading `'` (OWASP CSV injection guidance).
 */
export function neutraliseCell(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

/** The error report's header: where and why, then the file's own columns. */
export function reportHeader(fileHeader: readonly string[]): string[] {
  return ['line', 'column', 'error', ...fileHeader].map(neutraliseCell);
}

/** One error-report row: the rejected record with its line, column and message, every cell neutralised. */
export function reportRow(error: ImportRowError, fields: readonly string[]): string[] {
  return [String(error.line), error.column ?? '', error.message, ...fields].map(neutraliseCell);
}
