// Field readers for hand-validating a spec (the engine takes no dependencies, so no zod here).
// Each failure names the layer, the field, what was expected and what was received.

import { EngineError } from './errors.js';

export type Raw = Record<string, unknown>;

/** Where a field sits: `layers[3] (conv2d)` in messages and `/layers/3` in JSON pointers. */
export interface FieldContext {
  label: string;
  pointer: string;
}

export function specError(ctx: FieldContext, field: string | null, message: string, code: 'SPEC_INVALID' | 'LIMIT_EXCEEDED' = 'SPEC_INVALID'): EngineError {
  const path = field === null ? ctx.pointer : `${ctx.pointer}/${field}`;
  const full = `${ctx.label}: ${message}`;
  return new EngineError(code, full, [{ path: path || '/', message: full }]);
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

export function readInt(raw: Raw, field: string, ctx: FieldContext, opts: { min: number; max: number; default?: number }): number {
  const value = raw[field];
  if (value === undefined && opts.default !== undefined) return opts.default;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < opts.min || value > opts.max) {
    throw specError(ctx, field, `${field} must be an integer from ${opts.min} to ${opts.max}, received ${describe(value)}`);
  }
  return value;
}

export function readNumber(raw: Raw, field: string, ctx: FieldContext, opts: { min: number; max: number; default: number; maxExclusive?: boolean }): number {
  const value = raw[field];
  if (value === undefined) return opts.default;
  const tooBig = opts.maxExclusive ? (value as number) >= opts.max : (value as number) > opts.max;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < opts.min || tooBig) {
    const range = opts.maxExclusive ? `in [${opts.min}, ${opts.max})` : `from ${opts.min} to ${opts.max}`;
    throw specError(ctx, field, `${field} must be a number ${range}, received ${describe(value)}`);
  }
  return value;
}

export function readEnum<T extends string>(raw: Raw, field: string, ctx: FieldContext, allowed: readonly T[], fallback?: T): T {
  const value = raw[field];
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw specError(ctx, field, `${field} must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, received ${describe(value)}`);
  }
  return value as T;
}

export function readBoolean(raw: Raw, field: string, ctx: FieldContext, fallback: boolean): boolean {
  const value = raw[field];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw specError(ctx, field, `${field} must be true or false, received ${describe(value)}`);
  return value;
}

/** A number or an [h, w] pair of integers (kernelSize, strides, poolSize). */
export function readPair(raw: Raw, field: string, ctx: FieldContext, max: number, fallback?: number | [number, number]): number | [number, number] {
  const value = raw[field];
  if (value === undefined && fallback !== undefined) return fallback;
  const ok = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= max;
  if (ok(value)) return value as number;
  if (Array.isArray(value) && value.length === 2 && value.every(ok)) return [value[0], value[1]];
  throw specError(ctx, field, `${field} must be an integer from 1 to ${max} or an array of two such integers [h, w], received ${describe(value)}`);
}
