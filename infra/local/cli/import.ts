import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { Presets, SingleBar } from 'cli-progress';
import type { ApiSchemas } from '#client/index.ts';
import type { CliCommand } from './command.ts';
import { CliError } from './context.ts';
import { fmt, newTable, POLL_MS, STALL_MS, stallWatch } from './output.ts';

/** `import <file.csv>`: POST /imports, PUT the file to the presigned URL, follow the import to its end. */
export const importCommand: CliCommand = {
  name: 'import',
  help: [['import <file.csv>', 'upload a CSV (POST /imports + presigned PUT), follow the import']],
  async run(cli) {
    const file = cli.argument(1, 'CSV file (import <file.csv>)');
    const content = await readFile(file).catch((error: Error) => {
      throw new CliError(`Cannot read ${file}: ${error.message}`);
    });
    const created = await cli.ok('POST', cli.client.POST('/imports'));
    const upload = await fetch(created.uploadUrl, {
      method: 'PUT',
      headers: { 'content-type': 'text/csv' },
      body: content,
    });
    if (!upload.ok) {
      throw new CliError(`Upload to the presigned URL failed: ${upload.status} ${await upload.text()}`);
    }
    console.log(`import ${created.importId}: uploaded ${fmt(content.length, 0)} bytes`);

    const bar = new SingleBar(
      { format: 'importing |{bar}| {value}/{total} rows | {status}', hideCursor: true },
      Presets.shades_classic,
    );
    let started = false;
    let status: ApiSchemas['ImportStatus'];
    const stalled = stallWatch();
    for (;;) {
      status = await cli.ok(
        'GET',
        cli.client.GET('/imports/{importId}', { params: { path: { importId: created.importId } } }),
      );
      const done = status.rowsImported + status.rowsRejected;
      if (status.rowsTotal !== null && !cli.options.json) {
        if (!started) bar.start(status.rowsTotal, done, { status: status.status });
        started = true;
        bar.setTotal(Math.max(status.rowsTotal, done));
        bar.update(done, { status: status.status });
      }
      if (status.status === 'completed' || status.status === 'failed') break;
      if (stalled(`${status.status} ${done}`)) {
        if (started) bar.stop();
        throw new CliError(
          `Import ${status.importId} made no progress for ${STALL_MS / 60_000} minutes (${status.status}); see the npm start console.`,
        );
      }
      await sleep(POLL_MS);
    }
    if (started) bar.stop();

    const table = newTable(['import', 'status', 'rows', 'imported', 'rejected']);
    table.push([
      status.importId,
      status.status,
      fmt(status.rowsTotal, 0),
      status.rowsImported,
      status.rowsRejected,
    ]);
    console.log(table.toString());
    for (const warning of status.warnings) console.log(`warning: ${warning}`);
    if (status.errors.length > 0) {
      const errors = newTable(['line', 'column', 'message']);
      for (const error of status.errors) errors.push([error.line, error.column ?? '', error.message]);
      console.log(errors.toString());
    }
    if (status.errorReport) console.log(`error report (all rejected rows): ${status.errorReport}`);
    if (status.status === 'failed') throw new CliError(`Import ${status.importId} failed.`);
    console.log('A completed import starts a rescore run: `npm run cli -- rank` shows it once it is done.');
  },
};
