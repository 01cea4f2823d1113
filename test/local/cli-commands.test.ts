import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { CliCommand } from '#infra/local/cli/command.ts';

const CLI_DIR = path.join(import.meta.dirname, '../../infra/local/cli');

/** Every command a module of `infra/local/cli/` exports (a value with a name, help lines and `run`). */
async function commandModules(): Promise<Map<string, CliCommand>> {
  const commands = new Map<string, CliCommand>();
  for (const file of await readdir(CLI_DIR)) {
    const module = (await import(path.join(CLI_DIR, file))) as Record<string, unknown>;
    for (const value of Object.values(module)) {
      const candidate = value as Partial<CliCommand>;
      if (
        typeof candidate?.name === 'string' &&
        Array.isArray(candidate.help) &&
        typeof candidate.run === 'function'
      ) {
        commands.set(file, candidate as CliCommand);
      }
    }
  }
  return commands;
}

describe('npm run cli: one file per command', () => {
  it('lists every command file in its help, each file named as its command', async () => {
    const commands = await commandModules();
    expect(commands.size).toBeGreaterThanOrEqual(8);
    const { stdout } = await promisify(execFile)(process.execPath, [
      '--import',
      'tsx',
      'infra/local/cli.ts',
      '--help',
    ]);
    for (const [file, command] of commands) {
      expect(file).toBe(`${command.name}.ts`);
      for (const [synopsis] of command.help) expect(stdout).toContain(`  ${synopsis}`);
    }
  });
});
