// openapi.yaml against the schemas the service really applies: the engine's layer and optimizer
// registries (their declared fields; test/engine/registry.test.ts proves the declarations are what
// validation does) and the zod schema of POST /v1/jobs. Field names, types, enums, defaults, bounds
// and required fields are compared both ways, so a change on either side alone fails here.

import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { OPENAPI_PATH } from '../../src/api/plugins/docs.js';
import { createJobBody } from '../../src/api/routes/jobs/schemas.js';
import { LAYERS, LOSSES, LR_SCHEDULES, OPTIMIZERS, type FieldSchema, type FieldSchemas } from '../../src/engine/index.js';

type Schema = Record<string, unknown>;

/** What both sides are compared on, per field. */
interface FieldShape {
  kinds: string[];
  enum?: string[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  required: boolean;
  properties?: Record<string, FieldShape>;
}

const BOUNDS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'] as const;

/** An engine field declaration, as JSON Schema would describe it. */
function engineField(field: FieldSchema): FieldShape {
  const shape: FieldShape = { kinds: [], required: field.required === true };
  switch (field.kind) {
    case 'integer':
      Object.assign(shape, { kinds: ['integer'], minimum: field.min, maximum: field.max });
      break;
    case 'number':
      shape.kinds = ['number'];
      if (field.minExclusive) shape.exclusiveMinimum = field.min;
      else shape.minimum = field.min;
      if (field.maxExclusive) shape.exclusiveMaximum = field.max;
      else shape.maximum = field.max;
      break;
    case 'boolean':
      shape.kinds = ['boolean'];
      break;
    case 'enum':
      Object.assign(shape, { kinds: ['string'], enum: [...field.values].sort() });
      break;
    case 'pair':
      Object.assign(shape, { kinds: ['array', 'integer'], minimum: 1, maximum: field.max });
      break;
    case 'enumOrInteger':
      Object.assign(shape, { kinds: ['integer', 'string'], enum: [...field.values].sort(), minimum: field.min, maximum: field.max });
      break;
  }
  if (field.default !== undefined) shape.default = field.default;
  return shape;
}

function engineFields(fields: FieldSchemas): Record<string, FieldShape> {
  return Object.fromEntries(Object.entries(fields).map(([name, field]) => [name, engineField(field)]));
}

/** Reads JSON Schema (openapi's or zod's) into FieldShapes; `$ref`s resolve against `root`. */
class SchemaReader {
  constructor(private readonly root: Schema) {}

  resolve(schema: Schema): Schema {
    if (typeof schema.$ref !== 'string') return schema;
    const target = schema.$ref.slice(2).split('/').reduce<unknown>((node, part) => (node as Schema)[part], this.root) as Schema;
    const { $ref: _ref, ...siblings } = schema;
    return { ...this.resolve(target), ...siblings };
  }

  /** The properties and required names of an object schema (allOf parts merged). */
  object(schema: Schema): { properties: Record<string, Schema>; required: string[] } {
    const resolved = this.resolve(schema);
    const parts = Array.isArray(resolved.allOf) ? (resolved.allOf as Schema[]).map((part) => this.object(part)) : [];
    return {
      properties: Object.assign({}, ...parts.map((p) => p.properties), resolved.properties ?? {}),
      required: [...parts.flatMap((p) => p.required), ...((resolved.required as string[] | undefined) ?? [])],
    };
  }

  fields(schema: Schema, skip: string[] = []): Record<string, FieldShape> {
    const { properties, required } = this.object(schema);
    return Object.fromEntries(Object.entries(properties).filter(([name]) => !skip.includes(name)).map(([name, property]) => [name, this.field(property, required.includes(name))]));
  }

  field(schema: Schema, required: boolean): FieldShape {
    const resolved = this.resolve(schema);
    const branches = ((resolved.oneOf ?? resolved.anyOf) as Schema[] | undefined)?.map((branch) => this.field(branch, required)) ?? [];
    const kinds = new Set<string>(branches.flatMap((b) => b.kinds));
    const types = resolved.type === undefined ? [] : [resolved.type].flat() as string[];
    types.forEach((t) => kinds.add(t));
    const enumValues = [...(resolved.enum as string[] | undefined) ?? [], ...branches.flatMap((b) => b.enum ?? [])];
    if (resolved.enum && types.length === 0) kinds.add('string');
    const shape: FieldShape = { kinds: [...kinds].sort(), required };
    if (enumValues.length > 0) shape.enum = [...new Set(enumValues)].sort();
    if ('default' in resolved) shape.default = resolved.default;
    for (const bound of BOUNDS) {
      const value = (resolved[bound] as number | undefined) ?? branches.find((b) => b[bound] !== undefined)?.[bound];
      // zod writes the safe-integer range on every integer; openapi leaves "no upper bound" unsaid.
      if (value !== undefined && Math.abs(value) !== Number.MAX_SAFE_INTEGER) shape[bound] = value;
    }
    const objectBranch = [resolved, ...((resolved.oneOf ?? resolved.anyOf) as Schema[] | undefined ?? [])].map((s) => this.resolve(s)).find((s) => s.properties);
    if (objectBranch) shape.properties = this.fields(objectBranch);
    return shape;
  }

  /** The `type` values an object schema stands for (`const` or `enum`). */
  typeNames(schema: Schema): string[] {
    const type = this.resolve(this.object(schema).properties.type);
    return type.const !== undefined ? [type.const as string] : (type.enum as string[]);
  }
}

describe('openapi.yaml matches the schemas the service applies', () => {
  let doc: Schema;
  let reader: SchemaReader;
  let components: Record<string, Schema>;
  /** The documented body of a route. */
  const body = (path: string) => ((((doc.paths as Schema)[path] as Schema).post as Schema).requestBody as { content: { 'application/json': { schema: Schema } } }).content['application/json'].schema;

  beforeAll(async () => {
    doc = parse(await readFile(OPENAPI_PATH, 'utf8')) as Schema;
    reader = new SchemaReader(doc);
    components = (doc.components as { schemas: Record<string, Schema> }).schemas;
  });

  /** The openapi schema of every layer type in the model spec POST /v1/models takes. */
  function documentedLayers(): Map<string, Schema> {
    const spec = reader.object(reader.object(body('/v1/models')).properties.spec);
    const layers = reader.resolve(reader.resolve(spec.properties.layers).items as Schema);
    const byType = new Map<string, Schema>();
    for (const branch of layers.oneOf as Schema[]) for (const type of reader.typeNames(branch)) byType.set(type, reader.resolve(branch));
    return byType;
  }

  /** The openapi schema of every optimizer in the body POST /v1/jobs takes. */
  function documentedOptimizers(): Map<string, Schema> {
    const optimizer = reader.resolve(reader.object(body('/v1/jobs')).properties.optimizer);
    return new Map((optimizer.oneOf as Schema[]).map((branch) => [reader.typeNames(branch)[0], reader.resolve(branch)]));
  }

  it('the same layer types', () => {
    expect([...documentedLayers().keys()].sort()).toEqual([...LAYERS.types].sort());
  });

  it('every layer type: the same fields, with the same types, enums, defaults, bounds and required ones', () => {
    const documented = documentedLayers();
    for (const entry of LAYERS.entries) {
      const schema = documented.get(entry.type)!;
      expect(reader.object(schema).required, `${entry.type}: type is required`).toContain('type');
      expect(schema.additionalProperties, `${entry.type}: the engine rejects unknown fields`).toBe(false);
      const openapi = reader.fields(schema, ['type']);
      const engine = engineFields(entry.fields);
      expect.soft(Object.keys(openapi).sort(), `${entry.type}: field names (openapi vs engine)`).toEqual(Object.keys(engine).sort());
      for (const name of Object.keys(engine)) expect.soft(openapi[name], `${entry.type}.${name} (openapi vs engine)`).toEqual(engine[name]);
    }
  });

  it('the same losses', () => {
    const spec = reader.object(components.ModelSpec);
    expect(reader.field(spec.properties.loss, true).enum).toEqual([...LOSSES].sort());
  });

  it('the same optimizers, each with the same fields, types, defaults and bounds', () => {
    const documented = documentedOptimizers();
    expect([...documented.keys()].sort()).toEqual([...OPTIMIZERS.types].sort());
    for (const entry of OPTIMIZERS.entries) {
      const schema = documented.get(entry.type)!;
      expect(schema.additionalProperties, `${entry.type}: the engine rejects unknown fields`).toBe(false);
      const openapi = reader.fields(schema, ['type']);
      const engine = engineFields(entry.fields);
      expect.soft(Object.keys(openapi).sort(), `optimizer ${entry.type}: field names (openapi vs engine)`).toEqual(Object.keys(engine).sort());
      for (const name of Object.keys(engine)) expect.soft(openapi[name], `optimizer ${entry.type}.${name} (openapi vs engine)`).toEqual(engine[name]);
    }
  });

  it('the same lrSchedule types, each with the same fields, types, defaults, bounds and required ones; null allowed', () => {
    const schedule = reader.resolve(reader.object(body('/v1/jobs')).properties.lrSchedule);
    const branches = (schedule.oneOf as Schema[]).map((branch) => reader.resolve(branch));
    expect(branches.some((branch) => branch.type === 'null')).toBe(true);
    const documented = new Map(branches.filter((branch) => branch.type !== 'null').map((branch) => [reader.typeNames(branch)[0], branch]));
    expect([...documented.keys()].sort()).toEqual([...LR_SCHEDULES.types].sort());
    for (const entry of LR_SCHEDULES.entries) {
      const branch = documented.get(entry.type)!;
      expect(branch.additionalProperties, `${entry.type}: the engine rejects unknown fields`).toBe(false);
      const openapi = reader.fields(branch, ['type']);
      const engine = engineFields(entry.fields);
      expect.soft(Object.keys(openapi).sort(), `lrSchedule ${entry.type}: field names (openapi vs engine)`).toEqual(Object.keys(engine).sort());
      for (const name of Object.keys(engine)) expect.soft(openapi[name], `lrSchedule ${entry.type}.${name} (openapi vs engine)`).toEqual(engine[name]);
    }
  });

  it('the job body: the same fields, types, enums, defaults, bounds and required ones as the zod schema', () => {
    const zodSide = new SchemaReader({}).fields(z.toJSONSchema(createJobBody, { io: 'input' }) as Schema);
    const openapi = reader.fields(body('/v1/jobs'));
    expect.soft(Object.keys(openapi).sort(), 'job body field names (openapi vs zod)').toEqual(Object.keys(zodSide).sort());
    // The optimizer and lrSchedule are free-form objects to zod: the engine validates them (compared above).
    for (const name of Object.keys(zodSide).filter((n) => n !== 'optimizer' && n !== 'lrSchedule')) {
      expect.soft(openapi[name], `job body ${name} (openapi vs zod)`).toEqual(zodSide[name]);
    }
  });
});
