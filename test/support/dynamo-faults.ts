import { type AttributeValue, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
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
const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand']);

/**
 * A document client that behaves like an eventually consistent replica: after each single-item
 * write, the next read of that item WITHOUT `ConsistentRead` (GetItem, BatchGetItem) is served the
 * value the item had before the write, once. Reads with `ConsistentRead: true` always see the
 * latest value, as on DynamoDB. `served` counts the stale answers handed out.
 */
export function staleReadClient(servers: LocalServers): {
  client: DynamoDBDocumentClient;
  served: () => number;
} {
  const raw = new DynamoDBClient({ endpoint: servers.dynamoEndpoint, region: 'us-east-1', credentials });
  const client = createDocumentClient({ endpoint: servers.dynamoEndpoint, region: 'us-east-1', credentials });
  /** Item key → the item before the last write (null: it did not exist). */
  const previous = new Map<string, Record<string, AttributeValue> | null>();
  const id = (table: string, key: Key) => `${table}|${key.pk?.S}|${key.sk?.S}`;
  let served = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName as string;
      const input = args.input as Record<string, unknown>;
      if (WRITES.has(name)) {
        const table = input.TableName as string;
        const key = input.Key ?? pick(input.Item as Key);
        const before = await raw.send(
          new GetItemCommand({ TableName: table, Key: key as Key, ConsistentRead: true }),
        );
        const result = await next(args);
        previous.set(id(table, key as Key), before.Item ?? null);
        return result;
      }
      if (name === 'GetItemCommand' && !input.ConsistentRead) {
        const key = id(input.TableName as string, input.Key as Key);
        if (previous.has(key)) {
          const item = previous.get(key);
          previous.delete(key);
          served++;
          return { output: { $metadata: {}, ...(item ? { Item: item } : {}) }, response: {} } as never;
        }
      }
      if (name === 'BatchGetItemCommand') {
        const requests = input.RequestItems as Record<string, { Keys: Key[]; ConsistentRead?: boolean }>;
        const result = await next(args);
        const output = result.output as { Responses?: Record<string, Record<string, AttributeValue>[]> };
        for (const [table, request] of Object.entries(requests)) {
          if (request.ConsistentRead) continue;
          for (const requested of request.Keys) {
            const key = id(table, requested);
            if (!previous.has(key)) continue;
            const item = previous.get(key);
            previous.delete(key);
            served++;
            const rows = (output.Responses?.[table] ?? []).filter((row) => id(table, row) !== key);
            if (item) rows.push(item);
            output.Responses = { ...output.Responses, [table]: rows };
          }
        }
        return result;
      }
      return next(args);
    },
    { step: 'initialize', name: 'staleReads' },
  );
  return { client, served: () => served };
}

function pick(item: Key): Key {
  return { pk: item.pk as AttributeValue, sk: item.sk as AttributeValue };
}
