// Declarative fields of a spec object (a layer, an optimizer) and their one reader. The declarations
// are data, so tests and docs can read every field's name, type, range, choices and default; the
// reader checks a raw JSON value against them (the engine takes no dependencies, so no zod here).
// Each failure names where it happened, the field, what was expected and what was received.

import { EngineError } from './errors.js';

export type Raw = Record<string, unknown>;
export type Pair = number | [number, number];

interface FieldBase {
  /** Missing is an error. A field that is not required has a `default`, a `defaultFrom` rule, or stays out of the result. */
  readonly required?: true;
  /** For a default that depends on other fields (no `default` then): what it is, in words. */
  readonly defaultFrom?: string;
}

export interface IntegerField extends FieldBase { readonly kind: 'integer'; readonly min: number; readonly max: number; readonly default?: number }
export interface NumberField extends FieldBase {
  readonly kind: 'number';
  readonly min: number;
  readonly max: number;
  readonly minExclusive?: true;
  readonly maxExclusive?: true;
  readonly default?: number;
}
export interface BooleanField extends FieldBase { readonly kind: 'boolean'; readonly default?: boolean }
export interface EnumField extends FieldBase { readonly kind: 'enum'; readonly values: readonly string[]; readonly default?: string }
/** An integer from 1 to max, or an [h, w] pair of them (kernelSize, strides, poolSize). */
export interface PairField extends FieldBase { readonly kind: 'pair'; readonly max: number; readonly default?: number }
/** One of some words or an integer in [min, max] (conv2d's padding: "valid", "same" or a number). */
export interface EnumOrIntegerField extends FieldBase {
  readonly kind: 'enumOrInteger';
  readonly values: readonly string[];
  readonly min: number;
  readonly max: number;
  readonly default?: string;
}

export type FieldSchema = IntegerField | NumberField | BooleanField | EnumField | PairField | EnumOrIntegerField;
/** Fields by name, in the order they are read (and so reported). */
export type FieldSchemas = Readonly<Record<string, FieldSchema>>;

type ValueOf<F extends FieldSchema> =
  F extends { kind: 'integer' | 'number' } ? number
    : F extends { kind: 'boolean' } ? boolean
      : F extends { kind: 'enum'; values: readonly (infer T)[] } ? T
        : F extends { kind: 'pair' } ? Pair
          : F extends { kind: 'enumOrInteger'; values: readonly (infer T)[] } ? T | number
            : never;

/** A field's value after reading: undefined only when it was absent and has neither default nor `required`. */
export type FieldValue<F extends FieldSchema> = F extends { default: unknown } | { required: true } ? ValueOf<F> : ValueOf<F> | undefined;
export type FieldValues<Fs extends FieldSchemas> = { readonly [K in keyof Fs]: FieldValue<Fs[K]> };

/** Where a field sits: `layers[3] (conv2d)` in messages and `/layers/3` in JSON pointers. */
export interface FieldContext {
  label: string;
  pointer: string;
  /** The error code of a bad value here (default SPEC_INVALID). */
  code?: 'SPEC_INVALID' | 'CONFIG_INVALID';
}

export function specError(ctx: FieldContext, field: string | null, message: string, code?: 'SPEC_INVALID' | 'CONFIG_INVALID' | 'LIMIT_EXCEEDED'): EngineError {
  const path = field === null ? ctx.pointer : `${ctx.pointer}/${field}`;
  const full = `${ctx.label}: ${message}`;
  return new EngineError(code ?? ctx.code ?? 'SPEC_INVALID', full, [{ path: path || '/', message: full }]);
}

export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'nothing';
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
  } catch {
    // Too deep or cyclic for JSON.stringify; String() would recurse the same way, so only name the kind.
    return Array.isArray(value) ? 'an array nested too deeply to show' : `a ${typeof value} that cannot be shown`;
  }
}

export function isObject(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function rejectUnknownKeys(raw: Raw, allowed: readonly string[], ctx: FieldContext): void {
  for (const key of Object.keys(raw)) {
    if (!allowed.includes(key)) {
      throw specError(ctx, key, `unknown field "${key}" (expected one of: ${allowed.join(', ')})`);
    }
  }
}

/** `type` must be one of `types` (the registry's): the first thing read from a layer or optimizer. */
export function readType<T extends string>(raw: Raw, ctx: FieldContext, types: readonly T[]): T {
  return readField(raw, 'type', { kind: 'enum', values: types, required: true }, ctx);
}

/**
 * Checks `raw` against `fields` (plus `type`, which the caller has read): unknown keys first, then
 * every field in declaration order, defaults filled in.
 */
export function readFields<Fs extends FieldSchemas>(raw: Raw, fields: Fs, ctx: FieldContext): FieldValues<Fs> {
  rejectUnknownKeys(raw, ['type', ...Object.keys(fields)], ctx);
  const values: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(fields)) values[name] = readValue(raw, name, field, ctx);
  return values as FieldValues<Fs>;
}

/** One field of `raw`, validated against its declaration (its default when absent). */
export function readField<F extends FieldSchema>(raw: Raw, name: string, field: F, ctx: FieldContext): FieldValue<F> {
  return readValue(raw, name, field, ctx) as FieldValue<F>;
}

function readValue(raw: Raw, name: string, field: FieldSchema, ctx: FieldContext): unknown {
  const value = raw[name];
  if (value === undefined && field.default !== undefined) return field.default;
  if (value === undefined && !field.required) return undefined;
  const fail = (expected: string) => specError(ctx, name, `${name} must be ${expected}, received ${describe(value)}`);
  switch (field.kind) {
    case 'integer':
      if (!isIntegerIn(value, field.min, field.max)) throw fail(`an integer from ${field.min} to ${field.max}`);
      return value;
    case 'number':
      if (!isNumberIn(value, field)) throw fail(`a number ${numberRange(field)}`);
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw fail('true or false');
      return value;
    case 'enum':
      if (typeof value !== 'string' || !field.values.includes(value)) throw fail(`one of ${field.values.map((v) => `"${v}"`).join(', ')}`);
      return value;
    case 'pair':
      if (isIntegerIn(value, 1, field.max)) return value;
      if (Array.isArray(value) && value.length === 2 && value.every((v) => isIntegerIn(v, 1, field.max))) return [value[0], value[1]];
      throw fail(`an integer from 1 to ${field.max} or an array of two such integers [h, w]`);
    case 'enumOrInteger':
      // A word is checked against the words, anything else as the integer (the likelier intent).
      if (typeof value === 'string') return readValue(raw, name, { kind: 'enum', values: field.values, required: true }, ctx);
      return readValue(raw, name, { kind: 'integer', min: field.min, max: field.max, required: true }, ctx);
  }
}

function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function isNumberIn(value: unknown, field: NumberField): value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  const aboveMin = field.minExclusive ? value > field.min : value >= field.min;
  const belowMax = field.maxExclusive ? value < field.max : value <= field.max;
  return aboveMin && belowMax;
}

function numberRange(field: NumberField): string {
  if (!field.minExclusive && !field.maxExclusive) return `from ${field.min} to ${field.max}`;
  return `in ${field.minExclusive ? '(' : '['}${field.min}, ${field.max}${field.maxExclusive ? ')' : ']'}`;
}
