import { describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '#core/errors.ts';
import { createHttpHandler, MAX_BODY_BYTES } from '#functions/http/http-handler.ts';
import { httpEvent, lambdaContext, parseResponse } from '#test/support/events.ts';

const handler = createHttpHandler({
  'POST /things': async ({ body }) => ({ status: 200, body: { echoed: body } }),
  'GET /things/{id}': async ({ pathParameters }) => {
    if (pathParameters.id === 'missing') throw new NotFoundError('No thing missing. List things first.');
    if (pathParameters.id === 'invalid') throw new ValidationError([{ path: '/id', message: 'too odd' }]);
    throw new Error('database password is hunter2');
  },
});

async function call(event: ReturnType<typeof httpEvent>) {
  return parseResponse<Record<string, unknown>>(await handler(event, lambdaContext()));
}

describe('HTTP chain', () => {
  it('parses a JSON body and serialises the result', async () => {
    const response = await call(httpEvent('POST /things', { body: { a: 1 } }));
    expect(response).toMatchObject({ status: 200, body: { echoed: { a: 1 } } });
    expect(response.headers['content-type']).toBe('application/json');
  });

  it('answers malformed JSON with a 400 problem', async () => {
    const response = await call(httpEvent('POST /things', { body: '{"a":' }));
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body).toMatchObject({ status: 400, title: 'Bad Request' });
  });

  it('answers a body that is not JSON by content type with 415', async () => {
    const response = await call(
      httpEvent('POST /things', { body: 'a,b', headers: { 'content-type': 'text/csv' } }),
    );
    expect(response.status).toBe(415);
    expect(response.headers['content-type']).toBe('application/problem+json');
  });

  it('answers a body over 6 MB with 413 before parsing it', async () => {
    const response = await call(httpEvent('POST /things', { body: `"${'x'.repeat(MAX_BODY_BYTES)}"` }));
    expect(response.status).toBe(413);
    expect(String(response.body.detail)).toContain('POST /imports');
  });

  it('maps domain errors to their status with paths', async () => {
    expect((await call(httpEvent('GET /things/{id}', { pathParameters: { id: 'missing' } }))).status).toBe(
      404,
    );
    const invalid = await call(httpEvent('GET /things/{id}', { pathParameters: { id: 'invalid' } }));
    expect(invalid).toMatchObject({ status: 400, body: { errors: [{ path: '/id', message: 'too odd' }] } });
  });

  it('hides the details of unexpected errors', async () => {
    const response = await call(httpEvent('GET /things/{id}', { pathParameters: { id: 'boom' } }));
    expect(response.status).toBe(500);
    expect(JSON.stringify(response.body)).not.toContain('hunter2');
  });

  it('answers an unknown route with 404', async () => {
    expect((await call(httpEvent('PATCH /things'))).status).toBe(404);
  });
});
