import type { ApiSchemas } from '#client/index.ts';
import type { CliCommand } from './command.ts';
import { CliError } from './context.ts';
import { followRun } from './follow-run.ts';
import { readJsonFile } from './output.ts';

/** `model get` prints the active scoring model; `model set <model.json>` activates one and follows its run. */
export const modelCommand: CliCommand = {
  name: 'model',
  help: [
    ['model get', 'the active scoring model'],
    ['model set <model.json>', 'activate a new model version; follows the run it starts'],
  ],
  async run(cli) {
    const action = cli.argument(1, 'action (model get | model set <model.json>)');
    if (action === 'get') {
      const active = await cli.ok('GET', cli.client.GET('/model'));
      if (!cli.options.json) console.log(JSON.stringify(active, null, 2));
      return;
    }
    if (action === 'set') {
      const file = cli.argument(2, 'model file (model set <model.json>)');
      // The file is sent as it is: the API validates it and answers a 400 with a path per problem.
      const body = (await readJsonFile(file)) as ApiSchemas['ScoringModelInput'];
      const result = await cli.ok('PUT', cli.client.PUT('/model', { body }));
      console.log(`model v${result.version} is active; rescoring`);
      await followRun(cli, result.runId);
      return;
    }
    throw new CliError('Use `model get` or `model set <model.json>`.');
  },
};
