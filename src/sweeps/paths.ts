// Dotted paths into a trial's job body and, under `spec.`, into its model's spec: where a sweep's
// parameters go. Path segments that are digits index arrays (`spec.layers.0.units`).

/** Which document a path edits, and the path within it. */
export function splitPath(path: string): { target: 'body' | 'spec'; segments: string[] } {
  const segments = path.split('.');
  return segments[0] === 'spec' ? { target: 'spec', segments: segments.slice(1) } : { target: 'body', segments };
}

/**
 * A copy of `doc` with `value` at `segments`. Objects and arrays on the way are copied, never
 * mutated; a missing last key is created (a body field the base leaves to its default), but every
 * container on the way must exist. Returns null when the path does not fit the document.
 */
export function withValueAt(doc: unknown, segments: string[], value: unknown): unknown {
  if (segments.length === 0) return value;
  const [head, ...rest] = segments as [string, ...string[]];
  if (Array.isArray(doc)) {
    if (!/^\d+$/.test(head) || Number(head) >= doc.length) return null;
    const inner = withValueAt(doc[Number(head)], rest, value);
    if (inner === null) return null;
    return doc.map((item, i) => (i === Number(head) ? inner : item));
  }
  if (doc === null || typeof doc !== 'object' || isUnsafeKey(head)) return null;
  const record = doc as Record<string, unknown>;
  if (rest.length > 0 && !(head in record)) return null;
  const inner = rest.length > 0 ? withValueAt(record[head], rest, value) : value;
  if (inner === null) return null;
  return { ...record, [head]: inner };
}

/** Keys that would reach an object's prototype rather than its own fields. */
function isUnsafeKey(key: string): boolean {
  return key === '__proto__' || key === 'constructor' || key === 'prototype' || key === '';
}
