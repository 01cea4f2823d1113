import type { ApiSchemas } from '#client/index.ts';
import type { CliCommand } from './command.ts';
import { fmt, newTable, positiveInt, readJsonFile } from './output.ts';

/** `preview <model.json>`: a dry run of a candidate model, listing who would move; nothing is stored. */
export const previewCommand: CliCommand = {
  name: 'preview',
  help: [['preview <model.json> [--limit 20]', 'dry run of a model: who moves, nothing stored']],
  async run(cli) {
    const file = cli.argument(1, 'model file (preview <model.json>)');
    const limit = positiveInt(cli.options.limit, 'limit', 20);
    const candidate = (await readJsonFile(file)) as ApiSchemas['ModelPreviewBody'];
    const result = await cli.ok(
      'POST',
      cli.client.POST('/model/preview', { params: { query: { limit: String(limit) } }, body: candidate }),
    );
    console.log(
      `${fmt(result.partners, 0)} partners scored with ${file}: ${fmt(result.tierChanges, 0)} tier change(s)`,
    );
    if (result.movers.length === 0) {
      console.log('Nobody changes rank or tier.');
      return;
    }
    const table = newTable(['id', 'rank', 'preview rank', 'score', 'preview score', 'tier', 'preview tier']);
    for (const mover of result.movers) {
      table.push([
        mover.id,
        fmt(mover.rank, 0),
        fmt(mover.previewRank, 0),
        fmt(mover.score),
        fmt(mover.previewScore),
        mover.tier ?? '—',
        mover.previewTier ?? '—',
      ]);
    }
    console.log(table.toString());
  },
};
