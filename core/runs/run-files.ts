/**
 * Formats and keys of the files a run passes between its phases, through the `RunFiles` port
 * (`core/ports/platform.ts`): columnar files for millions of rows, JSON for small ones.
 */
type Column = Float64Array | Int32Array | Uint32Array | Uint16Array | Uint8Array;
const KINDS = { f64: Float64Array, i32: Int32Array, u32: Uint32Array, u16: Uint16Array, u8: Uint8Array };
type Kind = keyof typeof KINDS;

function kindOf(column: Column): Kind {
  if (column instanceof Float64Array) return 'f64';
  if (column instanceof Int32Array) return 'i32';
  if (column instanceof Uint32Array) return 'u32';
  if (column instanceof Uint16Array) return 'u16';
  return 'u8';
}

/** A columnar file: JSON metadata, named typed arrays, and string columns decoded only on demand. */
export interface ColumnFile<M> {
  meta: M;
  columns: Record<string, Column>;
  /** String columns (as UTF-8 bytes plus offsets, so a reader that does not need them pays nothing). */
  texts?: Record<string, string[]>;
}

/** A decoded {@link ColumnFile}: string columns are decoded when asked for. */
export interface DecodedColumnFile<M> {
  meta: M;
  columns: Record<string, Column>;
  text(name: string): string[];
}

/**
 * Encodes metadata (JSON) and typed arrays into one buffer: `u32 metaLength`, the metadata, padding
 * to 8 bytes, then each array's bytes (8-byte aligned). Compact and fast for millions of rows.
 */
export function encodeColumnFile<M>(file: ColumnFile<M>): Uint8Array {
  const layout: { name: string; kind: Kind; length: number; offset: number }[] = [];
  let offset = 0;
  const columns: Record<string, Column> = { ...file.columns };
  for (const [name, values] of Object.entries(file.texts ?? {})) {
    const bytes = Buffer.from(values.join(''), 'utf8');
    const ends = new Uint32Array(values.length);
    let end = 0;
    values.forEach((value, i) => {
      end += Buffer.byteLength(value, 'utf8');
      ends[i] = end;
    });
    columns[`text:${name}`] = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    columns[`ends:${name}`] = ends;
  }
  for (const [name, column] of Object.entries(columns)) {
    layout.push({ name, kind: kindOf(column), length: column.length, offset });
    offset += Math.ceil(column.byteLength / 8) * 8;
  }
  const head = Buffer.from(JSON.stringify({ meta: file.meta, layout }), 'utf8');
  const start = Math.ceil((4 + head.length) / 8) * 8;
  const out = Buffer.alloc(start + offset);
  out.writeUInt32LE(head.length, 0);
  head.copy(out, 4);
  for (const entry of layout) {
    const column = columns[entry.name] as Column;
    out.set(new Uint8Array(column.buffer, column.byteOffset, column.byteLength), start + entry.offset);
  }
  return out;
}

/** Reverses {@link encodeColumnFile} (the arrays are copies, aligned whatever the input buffer). */
export function decodeColumnFile<M>(data: Uint8Array): DecodedColumnFile<M> {
  const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const headLength = view.readUInt32LE(0);
  const { meta, layout } = JSON.parse(view.toString('utf8', 4, 4 + headLength)) as {
    meta: M;
    layout: { name: string; kind: Kind; length: number; offset: number }[];
  };
  const start = Math.ceil((4 + headLength) / 8) * 8;
  const columns: Record<string, Column> = {};
  for (const entry of layout) {
    const Type = KINDS[entry.kind];
    const bytes = entry.length * Type.BYTES_PER_ELEMENT;
    const copy = new Uint8Array(bytes);
    copy.set(view.subarray(start + entry.offset, start + entry.offset + bytes));
    columns[entry.name] = new Type(copy.buffer);
  }
  const text = (name: string): string[] => {
    const bytes = columns[`text:${name}`] as Uint8Array | undefined;
    const ends = columns[`ends:${name}`] as Uint32Array | undefined;
    if (!bytes || !ends) throw new Error(`no text column ${name}`);
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const values: string[] = new Array(ends.length);
    let start = 0;
    for (let i = 0; i < ends.length; i++) {
      const end = ends[i] as number;
      values[i] = buffer.toString('utf8', start, end);
      start = end;
    }
    return values;
  };
  return { meta, columns, text };
}

export const jsonFile = {
  encode: (value: unknown): Uint8Array => Buffer.from(JSON.stringify(value), 'utf8'),
  decode: <T>(data: Uint8Array): T =>
    JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8')) as T,
};

/** Where runs keep their files in the bucket (expired by a lifecycle rule). */
export const RUNS_PREFIX = 'runs/';

/** Keys of a run's files. */
export const runFileKeys = {
  snapshot: (runId: string, slice: number) => `runs/${runId}/snapshot/${slice}.bin`,
  places: (runId: string, slice: number) => `runs/${runId}/places/${slice}.bin`,
  scored: (runId: string, slice: number) => `runs/${runId}/scored/${slice}.bin`,
  scoreSummary: (runId: string) => `runs/${runId}/scored/summary.json`,
  entries: (runId: string, writer: number, slice: number) => `runs/${runId}/entries/${writer}/${slice}.json`,
  outbox: (runId: string, slice: number) => `runs/${runId}/outbox/${slice}.json`,
  movers: (runId: string, slice: number) => `runs/${runId}/movers/${slice}.json`,
  published: (runId: string, part: string) => `runs/${runId}/published/${part}`,
  pagesWritten: (runId: string, writer: number) => `runs/${runId}/written/pages/${writer}`,
};
