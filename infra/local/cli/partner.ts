import type { CliCommand } from './command.ts';
import { fmt, newTable } from './output.ts';

/** `partner <id>`: a partner's score explained (breakdown per metric, groups, next tier). */
export const partnerCommand: CliCommand = {
  name: 'partner',
  help: [['partner <id>', "a partner's score explained: breakdown, groups, next tier"]],
  async run(cli) {
    const id = cli.argument(1, 'partner id (partner <id>)');
    const view = await cli.ok('GET', cli.client.GET('/partners/{id}', { params: { path: { id } } }));
    const { score } = view;
    console.log(
      `${view.name} (${view.id})  type ${view.type ?? '—'}  region ${view.region ?? '—'}  as of ${view.asOf}`,
    );
    console.log(
      `score ${fmt(score.value)}${score.provisional ? ' (provisional)' : ''}  tier ${score.tier ?? '—'}  rank ${fmt(score.rank, 0)}  percentile ${fmt(score.percentile, 1)}  coverage ${fmt((score.coverage ?? 0) * 100, 0)}%  model v${score.modelVersion ?? '—'}`,
    );
    const table = newTable(['metric', 'group', 'raw', 'normalized', 'weight', 'contribution']);
    for (const row of score.breakdown ?? []) {
      table.push([
        row.metric,
        row.group,
        fmt(row.raw),
        fmt(row.normalized, 4),
        fmt(row.weight),
        fmt(row.contribution, 3),
      ]);
    }
    console.log(table.toString());
    const groups = Object.entries(score.groups ?? {})
      .map(([group, value]) => `${group} ${fmt(value)}`)
      .join('  ');
    if (groups) console.log(`groups: ${groups}`);
    console.log(
      score.nextTier
        ? `next tier: ${score.nextTier.name}, ${fmt(score.nextTier.pointsNeeded)} points away`
        : 'next tier: none (top tier)',
    );
  },
};
