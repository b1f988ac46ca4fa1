// Cursor pagination: newest first, stable cursors across inserts, garbage cursors rejected.

import { describe, expect, it } from 'vitest';
import { paginate } from '../../src/storage/pagination.js';

const item = (n: number) => ({ id: `id-${String(n).padStart(3, '0')}`, createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString() });

describe('paginate', () => {
  const items = Array.from({ length: 7 }, (_, i) => item(i));

  it('walks every item once, newest first', () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = paginate(items, { limit: 3, cursor });
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(items.map((i) => i.id).reverse());
  });

  it('keeps its place when newer items arrive between pages', () => {
    const first = paginate(items, { limit: 3 });
    const second = paginate([...items, item(50)], { limit: 3, cursor: first.nextCursor! });
    expect(second.items.map((i) => i.id)).toEqual(['id-003', 'id-002', 'id-001']);
  });

  it('breaks createdAt ties by id and ends with a null cursor', () => {
    const tied = [{ id: 'a', createdAt: '2026-01-01T00:00:00.000Z' }, { id: 'b', createdAt: '2026-01-01T00:00:00.000Z' }];
    const page = paginate(tied, { limit: 1 });
    expect(page.items[0].id).toBe('b');
    const last = paginate(tied, { limit: 1, cursor: page.nextCursor! });
    expect(last).toEqual({ items: [tied[0]], nextCursor: null });
  });

  it('rejects cursors it did not issue', () => {
    expect(() => paginate(items, { limit: 2, cursor: 'bm9wZQ' })).toThrow(expect.objectContaining({ status: 400, code: 'VALIDATION_ERROR' }));
  });
});
