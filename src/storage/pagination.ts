// Cursor pagination over records sorted newest first (createdAt desc, then id desc). The cursor is an
// opaque base64url of the last item's sort key, so it stays valid while records are added or removed.

import { validationError } from '../errors.js';
import type { Page, PageRequest } from './types.js';

interface Sortable {
  id: string;
  createdAt: string;
}

export function newestFirst(a: Sortable, b: Sortable): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

export function encodeCursor(item: Sortable): string {
  return Buffer.from(`${item.createdAt}|${item.id}`).toString('base64url');
}

function decodeCursor(cursor: string): Sortable {
  const [createdAt, id, extra] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!createdAt || !id || extra !== undefined || Number.isNaN(Date.parse(createdAt))) {
    throw validationError('cursor is not one this server issued', [{ path: '/query/cursor', message: 'invalid cursor' }]);
  }
  return { createdAt, id };
}

/** `items` may be in any order; the page comes out newest first. */
export function paginate<T extends Sortable>(items: T[], page: PageRequest): Page<T> {
  const sorted = [...items].sort(newestFirst);
  let start = 0;
  if (page.cursor) {
    const after = decodeCursor(page.cursor);
    start = sorted.findIndex((item) => newestFirst(item, after) > 0);
    if (start === -1) start = sorted.length;
  }
  const slice = sorted.slice(start, start + page.limit);
  const hasMore = start + page.limit < sorted.length;
  return { items: slice, nextCursor: hasMore && slice.length > 0 ? encodeCursor(slice[slice.length - 1]) : null };
}
