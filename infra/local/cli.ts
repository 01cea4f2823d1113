/**
 * `npm run cli -- <command>`: the service from a terminal, through its HTTP API (`API_URL`, default
 * http://localhost:3000, with the bearer token `API_TOKEN`), the way any client would use it: every
 * call goes through the typed client (`client/`), so routes, parameters and answers are
 * compiler-checked. One file per command in `cli/`; `npm run cli -- --help` lists them.
 */
import type { CliCommand } from './cli/command.ts';
import { CliError, createCli, parseCommandLine } from './cli/context.ts';
import { historyCommand } from './cli/history.ts';
import { importCommand } from './cli/import.ts';
import { loginCommand } from './cli/login.ts';
import { modelCommand } from './cli/model.ts';
import { partnerCommand } from './cli/partner.ts';
import { previewCommand } from './cli/preview.ts';
import { rankCommand } from './cli/rank.ts';
import { rescoreCommand } from './cli/rescore.ts';

/** The commands, in the order `--help` lists them. */
const COMMANDS: readonly CliCommand[] = [
  importCommand,
  rankCommand,
  partnerCommand,
  historyCommand,
  rescoreCommand,
  modelCommand,
  previewCommand,
  loginCommand,
];

const SYNOPSIS_WIDTH = 40;

function help(): string {
  const lines = COMMANDS.flatMap((command) =>
    command.help.map(([synopsis, summary]) =>
      synopsis.length < SYNOPSIS_WIDTH
        ? `  ${synopsis.padEnd(SYNOPSIS_WIDTH)}${summary}`
        : `  ${synopsis}\n  ${' '.repeat(SYNOPSIS_WIDTH)}${summary}`,
    ),
  );
  return `Partner scoring CLI: talks to the HTTP API at API_URL (default http://localhost:3000),
sending API_TOKEN (or --token) as a bearer token when set.

Usage: npm run cli -- <command> [options]

${lines.join('\n')}

Options: --url <url> (instead of API_URL), --token <token> (instead of API_TOKEN),
  --json (print the raw JSON responses), --help
Examples:
  npm run cli -- import samples/seed-partners.csv
  npm run cli -- rank --top 10 --region EMEA
  npm run cli -- preview samples/seed-model.json
  API_URL=https://… API_TOKEN=… npm run cli -- rank
`;
}

let commandLine: ReturnType<typeof parseCommandLine>;
try {
  commandLine = parseCommandLine(process.argv.slice(2));
} catch (error) {
  console.error(`${(error as Error).message}\nSee --help.`);
  process.exit(2);
}
const { values: options, positionals } = commandLine;
const [name] = positionals;

try {
  if (options.help || !name) {
    console.log(help());
  } else {
    const command = COMMANDS.find((candidate) => candidate.name === name);
    if (!command) throw new CliError(`Unknown command "${name}". See --help.`);
    await command.run(createCli(options, positionals));
  }
} catch (error) {
  if (!(error instanceof CliError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
