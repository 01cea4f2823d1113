/**
 * The tier names to list for a run beside the run before it, in the model's order (best tier first):
 * a tier that has partners in only one of the two runs keeps its place instead of trailing the others.
 * Tiers the model no longer has (the runs scored under an older version) follow, in the runs' order.
 */
export function tiersInModelOrder(
  modelTiers: readonly string[],
  ...runTiers: (Readonly<Record<string, number>> | undefined)[]
): string[] {
  const inRuns = new Set(runTiers.flatMap((tiers) => Object.keys(tiers ?? {})));
  return [
    ...modelTiers.filter((name) => inRuns.has(name)),
    ...[...inRuns].filter((name) => !modelTiers.includes(name)),
  ];
}
