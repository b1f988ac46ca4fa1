// LruCache: evicts least recently used entries past the byte budget; oversized entries are not kept.

import { describe, expect, it } from 'vitest';
import { LruCache } from '../../src/inference/lru-cache.js';

describe('LruCache', () => {
  it('evicts the least recently used entry when over budget', () => {
    const cache = new LruCache<string, number>(10);
    cache.set('a', 1, 4);
    cache.set('b', 2, 4);
    expect(cache.get('a')).toBe(1); // a is now the most recent
    cache.set('c', 3, 4);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
    expect(cache.bytes).toBe(8);
  });

  it('replaces an existing key and does not keep entries larger than the budget', () => {
    const cache = new LruCache<string, string>(5);
    cache.set('k', 'v1', 2);
    cache.set('k', 'v2', 3);
    expect(cache.get('k')).toBe('v2');
    expect(cache.bytes).toBe(3);
    cache.set('huge', 'x', 6);
    expect(cache.get('huge')).toBeUndefined();
    expect(cache.size).toBe(1);
  });
});
