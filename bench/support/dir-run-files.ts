import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunFiles } from '#core/ports.ts';

/** {@link RunFiles} in a local directory: the bench's stand-in for S3, so only the step itself is measured. */
export class DirRunFiles implements RunFiles {
  constructor(private readonly dir: string) {}

  async put(key: string, body: Uint8Array): Promise<void> {
    const file = path.join(this.dir, key);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, body);
  }

  async get(key: string): Promise<Uint8Array | null> {
    return readFile(path.join(this.dir, key)).catch(() => null);
  }
}
