/**
 * Realistic sample partners, deterministic for a given seed: log-normal (skewed) sales, transactions
 * that follow sales, reputation clustered near the top, a few missing values, regions and types.
 *
 *   npx tsx samples/generate-partners.ts 10000 > partners.csv     (or: npm run -s samples -- 10000 > …)
 *   npx tsx samples/generate-partners.ts 500 --seed 7 > other.csv
 */
import { pathToFileURL } from 'node:url';
import { stringify } from 'csv-stringify/sync';

export const METRICS = [
  'sales',
  'transactions',
  'reputation',
  'communicationFrequency',
  'commonCustomers',
] as const;

export interface SamplePartner {
  id: string;
  name: string;
  type: string;
  region: string;
  /** A metric left out is missing for that partner. */
  metrics: Partial<Record<(typeof METRICS)[number], number>>;
}

const REGIONS = ['EMEA', 'NA', 'LATAM', 'APAC'] as const;
const REGION_WEIGHTS = [0.35, 0.35, 0.1, 0.2];
const TYPES = ['reseller', 'distributor', 'referral', 'msp', 'isv'] as const;
const TYPE_WEIGHTS = [0.4, 0.1, 0.2, 0.2, 0.1];
const NAME_PARTS = [
  ['Blue', 'North', 'Bright', 'Iron', 'Silver', 'Open', 'Rapid', 'Clear', 'Summit', 'Nova', 'Delta', 'Prime'],
  ['Harbor', 'Peak', 'Line', 'Stone', 'Wave', 'Bridge', 'Field', 'Forge', 'Point', 'Gate', 'Works', 'Logic'],
  ['Systems', 'Solutions', 'Partners', 'Group', 'Consulting', 'Technologies', 'Networks', 'Labs'],
];
// Share of cells left empty per metric, as in real CRM exports.
const MISSING_RATE = 0.04;

/** mulberry32: a small, fast, seedable PRNG, so the same seed always gives the same data. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` sample partners with ids `P000001`…; the same `seed` always gives the same partners. */
export function generatePartners(count: number, seed = 42): SamplePartner[] {
  const next = seededRandom(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const pick = <T>(values: readonly T[], weights: readonly number[]): T => {
    let roll = next();
    for (let i = 0; i < values.length; i++) {
      roll -= weights[i] ?? 0;
      if (roll < 0) return values[i] as T;
    }
    return values[values.length - 1] as T;
  };
  const part = (index: number) => {
    const parts = NAME_PARTS[index] ?? [];
    return parts[Math.floor(next() * parts.length)];
  };

  const partners: SamplePartner[] = [];
  for (let i = 1; i <= count; i++) {
    const sales = Math.round(Math.exp(10 + 1.1 * normal()));
    const metrics: SamplePartner['metrics'] = {
      sales,
      transactions: Math.max(1, Math.round((sales / 180) * Math.exp(0.35 * normal()))),
      reputation: Math.round(Math.min(100, Math.max(20, 100 - Math.abs(14 * normal()))) * 10) / 10,
      communicationFrequency: Math.max(0, Math.round(4 + 2.2 * normal())),
      commonCustomers: Math.max(0, Math.round(Math.exp(2.6 + 0.8 * normal()))),
    };
    for (const metric of METRICS) if (next() < MISSING_RATE) delete metrics[metric];
    partners.push({
      id: `P${String(i).padStart(6, '0')}`,
      name: `${part(0)}${part(1)} ${part(2)}`,
      type: pick(TYPES, TYPE_WEIGHTS),
      region: pick(REGIONS, REGION_WEIGHTS),
      metrics,
    });
  }
  return partners;
}

/** The partners as an import CSV (header line, empty cells for missing values). */
export function toCsv(partners: readonly SamplePartner[]): string {
  return stringify(
    partners.map((partner) => [
      partner.id,
      partner.name,
      partner.type,
      partner.region,
      ...METRICS.map((metric) => partner.metrics[metric] ?? ''),
    ]),
    { header: true, columns: ['id', 'name', 'type', 'region', ...METRICS] },
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const seedIndex = args.indexOf('--seed');
  const seed = seedIndex === -1 ? 42 : Number(args[seedIndex + 1]);
  const count = Number(
    args.find((arg, index) => !arg.startsWith('-') && (seedIndex === -1 || index !== seedIndex + 1)) ?? 1000,
  );
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(seed)) {
    process.stderr.write(
      'usage: npx tsx samples/generate-partners.ts [count=1000] [--seed n] > partners.csv\n',
    );
    process.exit(2);
  }
  process.stdout.write(toCsv(generatePartners(count, seed)));
}
