import type { RunPlace } from '../ranking/ranking-store.ts';

/*
 * The run's file formats, in one place: the columnar file codec, each file's key under
 * `runs/<runId>/`, and the layout of each kind of file (snapshot parts, scored parts, the score
 * summary, page entries, places, outbox parts, the worklist's files). The run's steps write them
 * (`functions/rescore/steps/`); the model preview and the stack's bucket rules read them.
 */

/**
 * The files a run passes between its phases (S3 under `runs/<runId>/`, never durable checkpoints,
 * which hold 256 KB): snapshot parts, scored parts, page entries, outbox parts. Each file is written
 * once, whole (an S3 PUT is atomic), so a file that exists is complete and a re-run step reuses it.
 */
export interface RunFiles {
  put(key: string, body: Uint8Array): Promise<void>;
  /** The file, or `null` when it does not exist. */
  get(key: string): Promise<Uint8Array | null>;
}

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

/** Where runs keep their files in the bucket (expired by a lifecycle rule after {@link PAGE_TTL_DAYS}). */
export const RUNS_PREFIX = 'runs/';

/**
 * Ranking pages and run files outlive any gap between nightly runs by far; the next run reads the
 * previous run's places, and a reader may page through an older run for a while after a switch.
 */
export const PAGE_TTL_DAYS = 35;

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
};

/** Keys of a run's worklist files (beside its other files, so they expire with them). */
export const worklistFileKeys = {
  plan: (runId: string) => `runs/${runId}/worklist/plan.json`,
  actions: (runId: string) => `runs/${runId}/worklist/actions.json`,
  state: (runId: string, slice: number) => `runs/${runId}/worklist/state/${slice}.json`,
  entries: (runId: string, slice: number) => `runs/${runId}/worklist/entries/${slice}.json`,
  head: (runId: string) => `runs/${runId}/worklist/head.json`,
};

/** The dictionary code of "none" in region, type and tier columns. */
export const NONE = 0xffffffff;

/**
 * A snapshot part's metadata (`snapshot/<slice>.bin`). Its columns, one value per partner: `asOfMs`,
 * `m<j>` (metric j of `metrics`), `region`, `type`, `previousTier` (codes into the lists below, or
 * {@link NONE}), `previousRank` (−1 none), `previousScore` (NaN none), `entryBytes` (the ranking
 * entry's UTF-8 size with the run's numbers left out); text column `names`.
 */
export interface SnapshotMeta {
  ids: string[];
  metrics: string[];
  regions: string[];
  types: string[];
  previousTiers: string[];
  /** Whether the previous run's places were found for this slice (else the scorer reads its pages). */
  previousFound: boolean;
}

/**
 * A scored part's metadata (`scored/<slice>.bin`, partners in the snapshot part's order). Columns:
 * `score`, `rank`, `tier` (index into `tiers`, −1 none), `percentile`, `coverage`, `n<j>` (metric j
 * normalised), and per list slot s (all, tier, region, type) `list<s>` (index into `lists`, or
 * {@link NONE}), `page<s>`, `offset<s>`.
 */
export interface ScoredMeta {
  tiers: string[];
  lists: string[];
  pageWriters: number;
}

/** What the scoring phase found (a step result; the bulk stays in S3). */
export interface ScoreSummary {
  partners: number;
  tierChanges: number;
  /** Page-writing work items of this run (1 for small runs, more as the population grows). */
  pageWriters: number;
}

/** The score summary file (`scored/summary.json`): the step result plus every list's size. */
export interface ScoreSummaryFile extends ScoreSummary {
  lists: Record<string, number>;
}

/**
 * One ranking entry in an entries part (`entries/<writer>/<slice>.json`, a JSON array of them): its
 * list, page number, offset in the page, and the entry as encoded on the page.
 */
export type PageEntryRow = [list: string, page: number, offset: number, entry: string];

/**
 * A places file's metadata (`places/<slice>.bin`, partners in the snapshot part's order). Columns:
 * `tier` (index into `tiers`, or {@link NONE}), `rank`, `score`.
 */
export interface PlacesMeta {
  ids: string[];
  tiers: string[];
}

/** Distinct strings to small codes ({@link NONE} for null): the dictionary-coded columns above. */
export class Dictionary {
  readonly values: string[] = [];
  private readonly codes = new Map<string, number>();

  /** The code of `value`, a new one for a value not seen yet. */
  code(value: string | null): number {
    if (value === null) return NONE;
    let code = this.codes.get(value);
    if (code === undefined) {
      code = this.values.length;
      this.values.push(value);
      this.codes.set(value, code);
    }
    return code;
  }
}

/**
 * Tier, rank and score of each partner of one slice (one partner shard) in a completed run, from
 * the run's places file; `null` when the file is gone (expired, or a run from before run files).
 */
export async function readSlicePlaces(
  files: Pick<RunFiles, 'get'>,
  runId: string,
  slice: number,
): Promise<Map<string, RunPlace> | null> {
  const data = await files.get(runFileKeys.places(runId, slice));
  if (!data) return null;
  const file = decodeColumnFile<PlacesMeta>(data);
  const places = new Map<string, RunPlace>();
  const { tier, rank, score } = file.columns;
  file.meta.ids.forEach((id, i) => {
    const code = tier?.[i] as number;
    places.set(id, {
      tier: code === NONE ? null : (file.meta.tiers[code] as string),
      rank: rank?.[i] as number,
      score: score?.[i] as number,
    });
  });
  return places;
}
