import type { CliCommand } from './command.ts';
import { fmt, newTable, positiveInt } from './output.ts';

/** `history <id>`: a partner's score, rank and tier per run, newest first. */
export const historyCommand: CliCommand = {
  name: 'history',
  help: [['history <id> [--limit 20]', "a partner's score, rank and tier per run, newest first"]],
  async run(cli) {
    const id = cli.argument(1, 'partner id (history <id>)');
    const limit = positiveInt(cli.options.limit, 'limit', 20);
    const result = await cli.ok(
      'GET',
      cli.client.GET('/partners/{id}/history', {
        params: { path: { id }, query: { limit: String(limit) } },
      }),
    );
    if (result.items.length === 0) {
      console.log(`No runs have scored ${id} yet.`);
      return;
    }
    const table = newTable(['scored at', 'run', 'score', 'rank', 'tier']);
    for (const item of result.items) {
      table.push([item.scoredAt, item.runId, fmt(item.score), item.rank, item.tier ?? '—']);
    }
    console.log(table.toString());
  },
};
