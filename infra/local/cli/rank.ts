import type { ApiSchemas } from '#client/index.ts';
import type { CliCommand } from './command.ts';
import { fmt, newTable, positiveInt } from './output.ts';

type RankingPage = ApiSchemas['RankingPage'];

/** `rank`: the current ranking's top `--top`, page after page, with the filters kept on the global rank. */
export const rankCommand: CliCommand = {
  name: 'rank',
  help: [
    [
      'rank [--top 20] [--tier T] [--region R] [--type T]',
      'the current ranking (filters keep the global rank)',
    ],
  ],
  async run(cli) {
    const top = positiveInt(cli.options.top, 'top', 20);
    const { tier, region, type } = cli.options;
    const filters = {
      ...(tier === undefined ? {} : { tier }),
      ...(region === undefined ? {} : { region }),
      ...(type === undefined ? {} : { type }),
    };
    const items: RankingPage['items'] = [];
    let page: RankingPage;
    let cursor: string | null = null;
    do {
      const query = {
        ...filters,
        limit: String(Math.min(500, top - items.length)),
        ...(cursor ? { cursor } : {}),
      };
      page = await cli.ok('GET', cli.client.GET('/rankings', { params: { query } }));
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor && items.length < top);

    if (page.runId === null) {
      console.log(
        'No completed run yet: import partners (or POST /partners), then `npm run cli -- rescore`.',
      );
      return;
    }
    const table = newTable(['rank', 'id', 'name', 'score', 'tier', 'move']);
    for (const item of items) {
      const move =
        item.previousRank === null
          ? 'new'
          : item.previousRank === item.rank
            ? '='
            : `${item.previousRank > item.rank ? '▲' : '▼'} ${Math.abs(item.previousRank - item.rank)}`;
      table.push([item.rank, item.id, item.name, fmt(item.score), item.tier ?? '—', move]);
    }
    console.log(table.toString());
    console.log(
      `run ${page.runId} (model v${page.modelVersion}, scored ${page.scoredAt})${page.stale ? ' — partners changed since; the next run updates it' : ''}`,
    );
  },
};
