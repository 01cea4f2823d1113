import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * No module imports itself through others, not even for a type: `npm run lint` runs Biome's
 * `noImportCycles` with `ignoreTypes: false` (biome.json). These tests run that rule alone, on the
 * production tree and on a cycle made here, so turning the rule off or letting type imports through
 * fails a test too.
 */

const root = path.resolve(import.meta.dirname, '../..');
const biome = path.join(root, 'node_modules/.bin/biome');
const run = promisify(execFile);

async function lintCycles(paths: readonly string[]): Promise<{ passed: boolean; output: string }> {
  try {
    await run(biome, ['lint', '--only=suspicious/noImportCycles', ...paths], { cwd: root });
    return { passed: true, output: '' };
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    return { passed: false, output: `${stdout ?? ''}${stderr ?? ''}` };
  }
}

/** Biome reads the whole project's import graph on each run: seconds alone, more on a busy machine. */
const LINT_TIMEOUT_MS = 180_000;

const probes: string[] = [];
afterAll(async () => {
  for (const probe of probes) await rm(probe, { recursive: true, force: true });
});

describe('import cycles', () => {
  it(
    'core/, functions/ and infra/ hold none',
    async () => {
      const result = await lintCycles(['core', 'functions', 'infra']);
      expect(result.output).toBe('');
      expect(result.passed).toBe(true);
    },
    LINT_TIMEOUT_MS,
  );

  it(
    'are found when the modules import only types of each other, one of them through a #-alias',
    async () => {
      const probe = await mkdtemp(path.join(root, 'test/lint/cycle-probe-'));
      probes.push(probe);
      const alias = `#test/lint/${path.basename(probe)}/b.ts`;
      await writeFile(
        path.join(probe, 'a.ts'),
        `import type { B } from '${alias}';\n\nexport interface A {\n  b: B | null;\n}\n`,
      );
      await writeFile(
        path.join(probe, 'b.ts'),
        `import type { A } from './a.ts';\n\nexport interface B {\n  a: A | null;\n}\n`,
      );
      const result = await lintCycles([path.relative(root, probe)]);
      expect(result.passed).toBe(false);
      expect(result.output).toContain('lint/suspicious/noImportCycles');
      expect(result.output).toContain('This import is part of a cycle');
    },
    LINT_TIMEOUT_MS,
  );
});
