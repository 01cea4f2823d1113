/** The delimiters a CSV file may use, and the line ending of its records. */
export interface CsvDialect {
  delimiter: ',' | ';' | '\t';
  recordDelimiter: '\n' | '\r\n';
}

/**
 * Reads the dialect from the header line (contract §4): comma, unless the header holds no comma and
 * only one of semicolon or tab. The record delimiter is the header line's own ending (CRLF or LF);
 * telling csv-parse explicitly keeps its byte offsets exact for checkpoints.
 */
export function detectDialect(headerLine: string): CsvDialect {
  const recordDelimiter = headerLine.endsWith('\r') ? '\r\n' : '\n';
  const hasComma = headerLine.includes(',');
  const hasSemicolon = headerLine.includes(';');
  const hasTab = headerLine.includes('\t');
  let delimiter: CsvDialect['delimiter'] = ',';
  if (!hasComma && hasSemicolon && !hasTab) delimiter = ';';
  else if (!hasComma && hasTab && !hasSemicolon) delimiter = '\t';
  return { delimiter, recordDelimiter };
}

/**
 * The header line (without its `\n`) from the start of a file, BOM removed; `null` when `head`
 * holds no complete line yet.
 */
export function headerLineOf(head: Buffer): string | null {
  const end = head.indexOf(0x0a);
  if (end < 0) return null;
  const start = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  return head.subarray(start, end).toString('utf8');
}
