import {
  CHUNK_LIMITS,
  type ConfigHead,
  EMPTY_HEAD,
  type StoredObject,
  chunkIndexOf,
  chunkIndexesFor,
  compareKeys,
  cutIntoChunks,
  firstChunkAfter,
  planChunkRewrite,
} from '../../db/bulk/config-chunks';

const object = (key: string, version = 1, padding = 0): StoredObject => ({
  key,
  data: { name: key, note: 'x'.repeat(padding) },
  version,
  createdAt: '2026-11-29T00:00:00.000Z',
  updatedAt: '2026-11-29T00:00:00.000Z',
});

/** A tiny deterministic generator, so a failure names a reproducible sequence. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** An in-memory store applying rewrites the way applyConfigWrite does (chunks, then head, then removals). */
class MemoryStore {
  head: ConfigHead = EMPTY_HEAD;
  readonly chunks = new Map<string, StoredObject[]>();
  private writes = 0;

  write(changes: StoredObject[]): void {
    const keys = changes.map((change) => change.key);
    const current = new Map<string, StoredObject[]>();
    for (const index of chunkIndexesFor(this.head.chunks, keys)) {
      const ref = this.head.chunks[index];
      if (ref) current.set(ref.id, this.chunks.get(ref.id) ?? []);
    }
    this.writes += 1;
    const rewrite = planChunkRewrite(this.head, current, changes, (n) => `w${this.writes}:${n}`);
    for (const chunk of rewrite.chunks) {
      expect(this.chunks.has(chunk.id)).toBe(false);
      this.chunks.set(chunk.id, chunk.objects);
    }
    expect(rewrite.baseVersion).toBe(this.head.version);
    this.head = rewrite.head;
    for (const id of rewrite.removed) this.chunks.delete(id);
  }

  all(): StoredObject[] {
    return this.head.chunks.flatMap((ref) => this.chunks.get(ref.id) ?? []);
  }

  page(afterKey: string | undefined, limit: number): StoredObject[] {
    const result: StoredObject[] = [];
    for (let index = firstChunkAfter(this.head.chunks, afterKey); index < this.head.chunks.length; index += 1) {
      const ref = this.head.chunks[index];
      for (const stored of ref ? (this.chunks.get(ref.id) ?? []) : []) {
        if (afterKey !== undefined && stored.key <= afterKey) continue;
        if (result.length === limit) return result;
        result.push(stored);
      }
    }
    return result;
  }
}

describe('configuration chunks', () => {
  it('keeps every object once, in key order, under the size limits, across random writes', () => {
    const next = random(7);
    const store = new MemoryStore();
    const expected = new Map<string, number>();
    for (let write = 0; write < 40; write += 1) {
      const size = 1 + Math.floor(next() * 400);
      const changes = new Map<string, StoredObject>();
      for (let i = 0; i < size; i += 1) {
        const key = `key-${String(Math.floor(next() * 3000)).padStart(5, '0')}`;
        const version = (expected.get(key) ?? 0) + 1;
        changes.set(key, object(key, version));
      }
      for (const change of changes.values()) expected.set(change.key, change.version);
      store.write([...changes.values()]);

      const all = store.all();
      expect(all.map((stored) => stored.key)).toEqual([...expected.keys()].sort(compareKeys));
      expect(all.map((stored) => stored.version)).toEqual(
        [...expected.entries()].sort(([a], [b]) => compareKeys(a, b)).map(([, version]) => version),
      );
      expect(store.head.count).toBe(expected.size);
      expect(store.chunks.size).toBe(store.head.chunks.length);
      for (const ref of store.head.chunks) {
        const objects = store.chunks.get(ref.id) ?? [];
        expect(objects.length).toBeGreaterThan(0);
        expect(objects.length).toBeLessThanOrEqual(CHUNK_LIMITS.maxObjects);
        expect(ref).toMatchObject({ firstKey: objects[0]?.key, lastKey: objects.at(-1)?.key, count: objects.length });
      }
    }
    expect(store.head.version).toBe(40);
  });

  it('pages through the objects exactly as a sorted list does', () => {
    const store = new MemoryStore();
    const keys = Array.from({ length: 1000 }, (_, i) => `k${String((i * 7919) % 1000).padStart(4, '0')}`);
    for (let start = 0; start < keys.length; start += 150) {
      store.write(keys.slice(start, start + 150).map((key) => object(key)));
    }
    const sorted = [...keys].sort(compareKeys);
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = store.page(after, 100);
      if (page.length === 0) break;
      seen.push(...page.map((stored) => stored.key));
      after = page.at(-1)?.key;
    }
    expect(seen).toEqual(sorted);
    // A cursor between stored keys, before all of them and after all of them.
    expect(store.page('k0499x', 3).map((stored) => stored.key)).toEqual(['k0500', 'k0501', 'k0502']);
    expect(store.page('', 1).map((stored) => stored.key)).toEqual(['k0000']);
    expect(store.page('k0999', 10)).toEqual([]);
  });

  it('finds the chunk of a key by binary search', () => {
    const chunks = [
      { id: 'a', firstKey: 'b', lastKey: 'd', count: 2 },
      { id: 'b', firstKey: 'f', lastKey: 'h', count: 2 },
      { id: 'c', firstKey: 'm', lastKey: 'p', count: 2 },
    ];
    expect(chunkIndexOf(chunks, 'a')).toBe(0);
    expect(chunkIndexOf(chunks, 'e')).toBe(0);
    expect(chunkIndexOf(chunks, 'f')).toBe(1);
    expect(chunkIndexOf(chunks, 'z')).toBe(2);
    expect(firstChunkAfter(chunks, 'd')).toBe(1);
    expect(firstChunkAfter(chunks, 'c')).toBe(0);
    expect(firstChunkAfter(chunks, 'p')).toBe(3);
    expect(chunkIndexesFor(chunks, ['z', 'a', 'g', 'c'])).toEqual([0, 1, 2]);
  });

  it('cuts by bytes as well as by count, and keeps an oversized object alone', () => {
    const wide = Array.from({ length: 10 }, (_, i) => object(`w${i}`, 1, 60 * 1024));
    const pieces = cutIntoChunks(wide);
    expect(pieces.length).toBeGreaterThan(1);
    for (const piece of pieces) {
      expect(JSON.stringify(piece).length).toBeLessThanOrEqual(CHUNK_LIMITS.targetBytes + 61 * 1024);
    }
    expect(pieces.flat().map((stored) => stored.key)).toEqual(wide.map((stored) => stored.key));
    expect(cutIntoChunks([object('huge', 1, 400 * 1024)])).toHaveLength(1);
    expect(cutIntoChunks([])).toEqual([]);
  });

  it('refuses to plan a write into a chunk it was not given', () => {
    const store = new MemoryStore();
    store.write([object('a'), object('b')]);
    expect(() => planChunkRewrite(store.head, new Map(), [object('a', 2)], (n) => `x${n}`)).toThrow(/not read/);
  });
});
