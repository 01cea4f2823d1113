import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The principal and route of one request, filled in as the gateway learns them. */
export interface AccessEntry {
  /** The request id the function sees (`requestContext.requestId`; an audit item's id too). */
  requestId: string;
  routeKey: string;
  subject: string | null;
  clientId: string | null;
  authorizerError: string | null;
}

/** The caller `LOCAL_AUTH=0` stands in for: what the audit trail and the access log name. */
export const LOCAL_PRINCIPAL_CLAIMS = { sub: 'local', client_id: 'local', token_use: 'access' } as const;

/**
 * The local gateway's access log: one JSON line per request in `file` (`DATA_DIR/access.ndjson`),
 * with the fields of the HTTP API's access log on AWS (`infra/constructs/service-http-api.ts`),
 * the caller's `subject` and `clientId` among them.
 */
export function createAccessLog(file: string) {
  const stream = createWriteStream(file, { flags: 'a' });
  return {
    /** Starts the entry of one request; its line is written when the response is finished. */
    track(request: IncomingMessage, response: ServerResponse): AccessEntry {
      const started = Date.now();
      const entry: AccessEntry = {
        requestId: randomUUID(),
        routeKey: '-',
        subject: null,
        clientId: null,
        authorizerError: null,
      };
      response.once('close', () => {
        const line = {
          requestId: entry.requestId,
          ip: (request.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
          requestTime: new Date(started).toISOString(),
          method: request.method,
          path: (request.url ?? '/').split('?')[0],
          routeKey: entry.routeKey,
          status: response.statusCode,
          latencyMs: Date.now() - started,
          subject: entry.subject,
          clientId: entry.clientId,
          authorizerError: entry.authorizerError,
        };
        stream.write(`${JSON.stringify(line)}\n`);
      });
      return entry;
    },
    close(): Promise<void> {
      return new Promise((resolve) => stream.end(resolve));
    },
  };
}
export type AccessLog = ReturnType<typeof createAccessLog>;
