import type { Cli } from './context.ts';

/** One CLI command: its name, the lines `--help` shows for it, and what it does. */
export interface CliCommand {
  name: string;
  /** `[synopsis, summary]` pairs for `--help`, the synopsis starting with the command's name. */
  help: readonly (readonly [string, string])[];
  run(cli: Cli): Promise<void>;
}
