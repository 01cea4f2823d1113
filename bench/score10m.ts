/**
 * Bench part `score10m`: the central scoring step of a run on 10,000,000 generated partners alone
 * (`rescore.score10m.*`, also measured by the `rescore` part), with the scoring threads the machine
 * gives and with one thread. Quick to run by itself: `npm run bench -- score10m`;
 * `BENCH_SCORE_PARTNERS` shrinks the population (figures are scaled to 10M).
 */
import { scoreAtScale } from './rescore-scale.ts';

const SCORE_PARTNERS = Number(process.env.BENCH_SCORE_PARTNERS ?? 10_000_000);

type Scoring = Awaited<ReturnType<typeof scoreAtScale>>;

/** The `rescore.score10m.*` figures of a measurement on `partners` partners, scaled to 10M. */
export function scoringFigures(scoring: Scoring, partners: number): Record<string, number> {
  const k = 10_000_000 / partners;
  return {
    'rescore.score10m.ms': scoring.ms * k,
    'rescore.score10m.threads': scoring.threads,
    'rescore.score10m.oneThread.ms': scoring.oneThread.ms * k,
    // Above 1 where threads help: the hardware's share, apart from the algorithm's.
    'rescore.score10m.threadSpeedup': scoring.oneThread.ms / scoring.ms,
    'rescore.score10m.peakRssMb': scoring.peakRssMb,
    'rescore.score10m.oneThread.peakRssMb': scoring.oneThread.peakRssMb,
  };
}

/** Prints one line about a measurement. */
export function describeScoring(scoring: Scoring, partners: number): void {
  console.log(
    `  central scoring of ${partners} partners: ${Math.round(scoring.ms)} ms on ${scoring.threads} thread(s), ${Math.round(scoring.oneThread.ms)} ms on one; peak RSS ${Math.round(scoring.peakRssMb)} MB (${Math.round(scoring.oneThread.peakRssMb)} MB on one); read slice of ${scoring.perSlice}: ${Math.round(scoring.readSliceMs)} ms (CPU, generation included)`,
  );
}

export async function run(): Promise<Record<string, number>> {
  const scoring = await scoreAtScale(SCORE_PARTNERS);
  describeScoring(scoring, SCORE_PARTNERS);
  return scoringFigures(scoring, SCORE_PARTNERS);
}
