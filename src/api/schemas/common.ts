// Request schemas and helpers several routes share: pagination, names, and turning zod issues into
// the error shape's `details` (JSON pointers relative to the body, `/query/...` for the query).

import { z } from 'zod';
import { validationError, type AppError, type ErrorDetail } from '../../errors.js';

export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().min(1).max(512).optional(),
});

export const resourceName = z.string().trim().min(1).max(200);

/** `latest`, `best` or a checkpoint id; anything else is an unknown checkpoint (404). */
export const checkpointSelector = z.string().min(1).max(100).default('latest');

export function pointer(path: readonly PropertyKey[], prefix = ''): string {
  if (path.length === 0) return prefix || '/';
  return `${prefix}/${path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
}

export function issuesToDetails(issues: readonly z.core.$ZodIssue[], prefix = ''): ErrorDetail[] {
  return issues.flatMap((issue) =>
    // A strict object's unknown keys: name each one (`/labelz`), not the object that holds them.
    issue.code === 'unrecognized_keys' && issue.keys.length > 0
      ? issue.keys.map((key) => ({ path: pointer([...issue.path, key], prefix), message: `unknown field "${key}"` }))
      : [{ path: pointer(issue.path, prefix), message: issue.message }],
  );
}

/** The 400 for a list of details: its message names the first offending field. */
export function invalidRequest(details: ErrorDetail[]): AppError {
  const first = details[0];
  const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
  return validationError(first ? `${first.path}: ${first.message}${more}` : 'invalid request', details);
}

export function invalid(details: ErrorDetail[]): never {
  throw invalidRequest(details);
}

/** Parses a value the route could not hand to fastify's schema validation (multipart, CSV, dynamic). */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, prefix = ''): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) invalid(issuesToDetails(result.error.issues, prefix));
  return result.data as z.output<S>;
}

export const idParams = z.object({ id: z.string() });
