// openapi.yaml's OipInferRequest against the zod schema POST /v2/.../infer applies: the same fields,
// required ones, types, closed objects and bounds, down to the tensors and parameters. (Names the
// route checks itself, `input` and the datatypes, are enums only in openapi; oip.test.ts covers them.)

import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { OPENAPI_PATH } from '../../../../src/api/plugins/docs.js';
import { inferBody } from '../../../../src/api/routes/oip/infer.js';

type Schema = Record<string, unknown>;

interface Shape {
  types: string[];
  properties?: Record<string, Shape>;
  required?: string[];
  items?: Shape;
  values?: Shape;
  closed?: boolean;
  bounds?: Record<string, number>;
}

const BOUNDS = ['minimum', 'maximum', 'minItems', 'maxItems', 'maxLength', 'minLength'];

/** The comparable part of a JSON Schema (openapi's or zod's), `$ref`s resolved against `root`. */
function shapeOf(schema: Schema, root: Schema): Shape {
  const s = typeof schema.$ref === 'string' ? (schema.$ref.slice(2).split('/').reduce<unknown>((n, p) => (n as Schema)[p], root) as Schema) : schema;
  const branches = ((s.anyOf ?? s.oneOf) as Schema[] | undefined)?.map((b) => shapeOf(b, root)) ?? [];
  const types = new Set([...(s.type === undefined ? [] : [s.type].flat() as string[]), ...branches.flatMap((b) => b.types)]);
  const shape: Shape = { types: [...types].sort() };
  if (s.properties) {
    shape.properties = Object.fromEntries(Object.entries(s.properties as Record<string, Schema>).map(([k, v]) => [k, shapeOf(v, root)]));
    shape.required = [...((s.required as string[] | undefined) ?? [])].sort();
  }
  if (s.items && Object.keys(s.items).length > 0) shape.items = shapeOf(s.items as Schema, root);
  if (s.additionalProperties === false) shape.closed = true;
  else if (typeof s.additionalProperties === 'object') shape.values = shapeOf(s.additionalProperties as Schema, root);
  // zod writes the safe-integer range on every integer; openapi leaves "no bound" unsaid.
  const bounds = Object.fromEntries(BOUNDS.filter((b) => typeof s[b] === 'number' && Math.abs(s[b] as number) !== Number.MAX_SAFE_INTEGER).map((b) => [b, s[b] as number]));
  if (Object.keys(bounds).length > 0) shape.bounds = bounds;
  return shape;
}

describe('openapi.yaml OipInferRequest', () => {
  it('matches the zod schema of the infer route', async () => {
    const doc = parse(await readFile(OPENAPI_PATH, 'utf8')) as Schema;
    const documented = shapeOf({ $ref: '#/components/schemas/OipInferRequest' }, doc);
    const applied = shapeOf(z.toJSONSchema(inferBody, { io: 'input' }) as Schema, {});
    expect(documented).toEqual(applied);
    // A sanity check that the comparison reaches the tensors.
    expect(applied.properties?.inputs.items?.properties?.shape.items?.bounds).toEqual({ minimum: 0 });
  });
});
