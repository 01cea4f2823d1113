import { type AttributeValue, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { createDocumentClient } from '#core/adapters/aws-clients.ts';
import type { LocalServers } from './local-servers.ts';

/**
 * Faults the local DynamoDB server cannot produce, injected with an SDK middleware on a client of
 * its own (the shared test client stays clean). The hook sees each low-level command by name
 * (`PutItemCommand`) with its marshalled input, before it is sent; a throw from it is the failure.
 */
export type CommandHook = (commandName: string, input: Record<string, unknown>) => void | Promise<void>;

const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** A document client on the local server whose commands first pass `hook`. */
export function faultyClient(servers: LocalServers, hook: CommandHook): DynamoDBDocumentClient {
  const client = createDocumentClient({ endpoint: servers.dynamoEndpoint, region: 'us-east-1', credentials });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      await hook(context.commandName as string, args.input as Record<string, unknown>);
      return next(args);
    },
    { step: 'initialize', name: 'injectFaults' },
  );
  return client;
}

type Key = Record<string, AttributeValue>;
type Row = Record<string, AttributeValue>;
type PlainOrRow = Record<string, unknown>;
const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand']);

/**
 * A document client that behaves like an eventually consistent replica: while enabled, the next
 * read WITHOUT `ConsistentRead` (GetItem, BatchGetItem, Query) of an item written through this
 * client is served the value the item had before its last write, once (a Query leaves out an item
 * that did not exist). Reads with `ConsistentRead: true` always see the latest value, as on
 * DynamoDB. `served` counts the stale answers handed out.
 */
export function staleReadClient(
  servers: LocalServers,
  /** Which items may be served stale, by partition key (default: all). */
  only: (pk: string) => boolean = () => true,
): {
  client: DynamoDBDocumentClient;
  served: () => number;
  enable: (on: boolean) => void;
} {
  const raw = new DynamoDBClient({ endpoint: servers.dynamoEndpoint, region: 'us-east-1', credentials });
  const client = createDocumentClient({ endpoint: servers.dynamoEndpoint, region: 'us-east-1', credentials });
  /** Item key → the item before the last write (null: it did not exist). */
  const previous = new Map<string, Row | null>();
  // Document-client commands pass this step with plain values, low-level ones with attribute values.
  const plain = (value: unknown) => typeof value === 'string';
  const toKey = (key: PlainOrRow): Key =>
    plain(key.pk) ? marshall({ pk: key.pk, sk: key.sk }) : (key as Key);
  const id = (table: string, key: PlainOrRow) => {
    const { pk, sk } = toKey(key);
    return `${table}|${pk?.S}|${sk?.S}`;
  };
  const asRow = (item: Row, like: unknown): PlainOrRow => (plain(like) ? unmarshall(item) : item);
  let served = 0;
  let enabled = true;
  /** The previous value of an item, once, when there is one to serve. */
  const take = (key: string): { item: Row | null } | undefined => {
    if (!enabled || !previous.has(key)) return undefined;
    const item = previous.get(key) ?? null;
    previous.delete(key);
    served++;
    return { item };
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName as string;
      const input = args.input as PlainOrRow;
      const table = input.TableName as string;
      if (WRITES.has(name)) {
        const key = toKey((input.Key ?? input.Item) as PlainOrRow);
        const before = await raw.send(
          new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }),
        );
        const result = await next(args);
        if (only(key.pk?.S ?? '')) previous.set(id(table, key), before.Item ?? null);
        return result;
      }
      if (name === 'GetItemCommand' && !input.ConsistentRead) {
        const key = input.Key as PlainOrRow;
        const stale = take(id(table, key));
        if (stale) {
          const item = stale.item ? { Item: asRow(stale.item, key.pk) } : {};
          return { output: { $metadata: {}, ...item }, response: {} } as never;
        }
      }
      if (name === 'QueryCommand' && !input.ConsistentRead) {
        const result = await next(args);
        const output = result.output as { Items?: PlainOrRow[] };
        output.Items = (output.Items ?? []).flatMap((row) => {
          const stale = take(id(table, row));
          return stale === undefined ? [row] : stale.item ? [asRow(stale.item, row.pk)] : [];
        });
        return result;
      }
      if (name === 'BatchGetItemCommand') {
        const requests = input.RequestItems as Record<
          string,
          { Keys: PlainOrRow[]; ConsistentRead?: boolean }
        >;
        const result = await next(args);
        const output = result.output as { Responses?: Record<string, PlainOrRow[]> };
        for (const [batchTable, request] of Object.entries(requests)) {
          if (request.ConsistentRead) continue;
          for (const requested of request.Keys) {
            const key = id(batchTable, requested);
            const stale = take(key);
            if (!stale) continue;
            const rows = (output.Responses?.[batchTable] ?? []).filter((row) => id(batchTable, row) !== key);
            if (stale.item) rows.push(asRow(stale.item, requested.pk));
            output.Responses = { ...output.Responses, [batchTable]: rows };
          }
        }
        return result;
      }
      return next(args);
    },
    { step: 'initialize', name: 'staleReads' },
  );
  return {
    client,
    served: () => served,
    enable: (on) => {
      enabled = on;
    },
  };
}
