import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { lambdaNodeRuntime, SERVICE_RUNTIME } from '#infra/constructs/service-function.ts';
import { BUNDLE_OPTIONS, NODE_MAJOR, PROJECT_ROOT } from '#infra/service-functions.ts';

const packageJson = JSON.parse(await readFile(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
  allowScripts: Record<string, boolean>;
};
const majorOf = (version: string) => Number(/\d+/.exec(version)?.[0]);

/** PATH without the project's `node_modules/.bin`, as a shell on a machine with any other Node has it. */
const systemPath = (process.env.PATH ?? '')
  .split(path.delimiter)
  .filter((dir) => !dir.endsWith(`node_modules${path.sep}.bin`))
  .join(path.delimiter);

describe('one Node.js major for Lambda, esbuild and the npm scripts', () => {
  it('Lambda runtime and esbuild target follow NODE_MAJOR', () => {
    expect(SERVICE_RUNTIME.name).toBe(`nodejs${NODE_MAJOR}.x`);
    expect(BUNDLE_OPTIONS.target).toBe(`node${NODE_MAJOR}`);
    expect(() => lambdaNodeRuntime(3)).toThrow(/no Lambda runtime nodejs3\.x/);
  });

  it('the node devDependency (exact pin, install script approved), @types/node and engines are that major', () => {
    expect(packageJson.devDependencies.node).toMatch(new RegExp(`^${NODE_MAJOR}\\.\\d+\\.\\d+$`));
    expect(majorOf(packageJson.devDependencies['@types/node'] ?? '')).toBe(NODE_MAJOR);
    expect(packageJson.engines.node).toBe(`>=${NODE_MAJOR}`);
    expect(packageJson.allowScripts.node).toBe(true);
  });

  it('vitest (npm test, npx vitest) and its forks run on that major', () => {
    expect(majorOf(process.versions.node)).toBe(NODE_MAJOR);
  });

  it('npm scripts run on it whatever node the PATH has first (tsx, as npm start and npm run cli use it)', async () => {
    const { stdout } = await promisify(execFile)(
      'npm',
      ['exec', '--offline', '--', 'tsx', '-e', 'console.log(process.versions.node)'],
      { cwd: PROJECT_ROOT, env: { ...process.env, PATH: systemPath }, timeout: 60_000 },
    );
    expect(majorOf(stdout.trim())).toBe(NODE_MAJOR);
  });

  it(".ci/run's summary line runs on the project's node, not the machine's", async () => {
    const ciRun = await readFile(path.join(PROJECT_ROOT, '.ci', 'run'), 'utf8');
    expect(ciRun).toContain('node_modules/.bin/node -e');
    expect(ciRun).not.toMatch(/^\s*node -e/m);
  });
});
