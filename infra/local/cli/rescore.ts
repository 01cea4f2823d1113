import type { CliCommand } from './command.ts';
import { followRun } from './follow-run.ts';

/** `rescore`: POST /rescore (which joins a run already going) and follow the run. */
export const rescoreCommand: CliCommand = {
  name: 'rescore',
  help: [['rescore', 'start a rescore run (or join the running one) and follow it']],
  async run(cli) {
    const started = await cli.ok('POST', cli.client.POST('/rescore'));
    await followRun(cli, started.runId);
  },
};
