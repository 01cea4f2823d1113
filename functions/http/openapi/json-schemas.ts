import * as z from 'zod/mini';
import * as responseSchemas from '#core/api/response.schema.ts';

// zod schemas as the document's JSON Schema: named components, or inline.

/** A JSON Schema object. */
export type JsonSchema = Record<string, unknown>;

/** Names response schemas by their export (`rankingPageSchema` → `RankingPage`). */
export function namedResponseSchemas(): Map<z.ZodMiniType, string> {
  const names = new Map<z.ZodMiniType, string>();
  // Sorted: the order of a module namespace's keys differs between runtimes (tsx, vitest).
  for (const [exported, schema] of Object.entries(responseSchemas).sort(([a], [b]) => a.localeCompare(b))) {
    const name = exported.replace(/Schema$/, '');
    names.set(schema as z.ZodMiniType, name.charAt(0).toUpperCase() + name.slice(1));
  }
  return names;
}

/** Converts the schemas of one registry to components, refs between them pointing at components. */
export function toComponents(
  named: ReadonlyMap<z.ZodMiniType, string>,
  io: 'input' | 'output',
): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [schema, id] of named) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { io, uri: (id) => `#/components/schemas/${id}` }) as {
    schemas: Record<string, JsonSchema>;
  };
  return Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, strip(schema)]));
}

function strip(schema: JsonSchema): JsonSchema {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

/** One schema as inline JSON Schema (for parameters and unnamed bodies). */
export function inline(schema: z.ZodMiniType, io: 'input' | 'output'): JsonSchema {
  return strip(z.toJSONSchema(schema, { io }) as JsonSchema);
}
