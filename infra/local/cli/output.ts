import { readFile } from 'node:fs/promises';
import Table from 'cli-table3';
import { CliError } from './context.ts';

/** How often a command polls a run or an import it follows. */
export const POLL_MS = 500;
/** A run or import that shows no progress for this long is reported instead of waited on forever. */
export const STALL_MS = 5 * 60_000;

/** Tells, on each poll, whether the state has stopped changing for longer than `STALL_MS`. */
export function stallWatch(): (state: string) => boolean {
  let last = '';
  let since = Date.now();
  return (state) => {
    if (state !== last) {
      last = state;
      since = Date.now();
    }
    return Date.now() - since > STALL_MS;
  };
}

/** A compact terminal table with the given column heads. */
export function newTable(head: string[]): Table.Table {
  return new Table({ head, style: { head: ['cyan'], compact: true } });
}

/** A number with thousands separators and at most `digits` decimals; `—` for none. */
export const fmt = (value: number | null | undefined, digits = 2) =>
  value === null || value === undefined ? '—' : Number(value.toFixed(digits)).toLocaleString('en-US');

/** The whole number ≥ 1 of option `--name`, `fallback` when absent. */
export function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new CliError(`--${name} must be a whole number ≥ 1`);
  return number;
}

/** A JSON file's content, or a {@link CliError} saying why it cannot be read or parsed. */
export async function readJsonFile(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8').catch((error: Error) => {
    throw new CliError(`Cannot read ${file}: ${error.message}`);
  });
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}
