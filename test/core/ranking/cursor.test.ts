import { describe, expect, it } from 'vitest';
import { HmacCursorSigner } from '#core/adapters/cursor-signer.ts';
import { ValidationError } from '#core/errors.ts';
import { decodeCursor, encodeCursor, filterKey } from '#core/ranking/cursor.ts';

const signer = new HmacCursorSigner(async () => 'a-secret-of-sufficient-length');
const filters = filterKey({ region: 'EMEA' });
const cursor = { runId: 'run-1', list: 'region:EMEA', page: 2, offset: 37, filters };

describe('ranking cursors', () => {
  it('round-trips for the same query', async () => {
    expect(await decodeCursor(signer, await encodeCursor(signer, cursor), filters)).toEqual(cursor);
  });

  it('rejects a cursor signed with another key, altered, or used with other filters', async () => {
    const text = await encodeCursor(signer, cursor);
    const other = await encodeCursor(
      new HmacCursorSigner(async () => 'another-secret-of-some-length'),
      cursor,
    );
    const [payload, tag] = text.split('.') as [string, string];
    const moved = Buffer.from(JSON.stringify(['run-1', 'region:EMEA', 0, 0, filters])).toString('base64url');
    for (const bad of [other, `${moved}.${tag}`, `${payload}.`, `${payload}.${tag}.x`, '']) {
      await expect(decodeCursor(signer, bad, filters)).rejects.toBeInstanceOf(ValidationError);
    }
    await expect(decodeCursor(signer, text, filterKey({ region: 'APAC' }))).rejects.toMatchObject({
      errors: [{ path: '/query/cursor', message: expect.stringMatching(/other filters/) }],
    });
  });

  it('rejects a validly signed payload that is not a cursor with a 400 at /query/cursor', async () => {
    const payloads = [
      'not json',
      'null',
      '{}',
      '[]',
      '"run-1"',
      JSON.stringify(['run-1', 'region:EMEA', 250, filters]),
      JSON.stringify(['run-1', 'region:EMEA', 2, 37, filters, 'extra']),
      JSON.stringify(['run-1', 'region:EMEA', '2', 37, filters]),
      JSON.stringify(['run-1', 'region:EMEA', -1, 37, filters]),
      JSON.stringify(['run-1', 'region:EMEA', 2, 0.5, filters]),
      JSON.stringify([null, 'region:EMEA', 2, 37, filters]),
      JSON.stringify(['run-1', 'region:EMEA', 2, 37, null]),
    ];
    for (const json of payloads) {
      const payload = Buffer.from(json).toString('base64url');
      const signed = `${payload}.${await signer.sign(payload)}`;
      await expect(decodeCursor(signer, signed, filters), json).rejects.toMatchObject({
        errors: [{ path: '/query/cursor', message: expect.stringMatching(/not a cursor this API returned/) }],
      });
    }
  });

  it('fetches the key once and retries a failed fetch', async () => {
    let calls = 0;
    const flaky = new HmacCursorSigner(async () => {
      calls++;
      if (calls === 1) throw new Error('secrets manager unavailable');
      return 'a-secret-of-sufficient-length';
    });
    await expect(flaky.sign('x')).rejects.toThrow(/unavailable/);
    expect(await flaky.sign('x')).toBe(await signer.sign('x'));
    await flaky.sign('y');
    expect(calls).toBe(2);
  });
});
