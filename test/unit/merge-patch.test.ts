import { mergePatch } from '../../domain/merge-patch';

// RFC 7396 Appendix A: the normative examples (original, patch, result).
const RFC_7396_EXAMPLES: [unknown, unknown, unknown][] = [
  [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
  [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
  [{ a: 'b' }, { a: null }, {}],
  [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
  [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
  [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
  [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
  [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
  [{ e: null }, { a: 1 }, { e: null, a: 1 }],
  [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
];

describe('mergePatch (RFC 7396)', () => {
  it.each(RFC_7396_EXAMPLES)('%j patched with %j is %j', (original, patch, result) => {
    expect(mergePatch(original as object, patch as object)).toEqual(result);
  });

  it('leaves the target untouched and treats a missing target as {}', () => {
    const target = { labels: { tier: 'gold', region: 'eu' }, tags: ['a'] };
    const patched = mergePatch(target, { labels: { region: null, skill: 'fr' }, tags: ['b'] });
    expect(patched).toEqual({ labels: { tier: 'gold', skill: 'fr' }, tags: ['b'] });
    expect(target).toEqual({ labels: { tier: 'gold', region: 'eu' }, tags: ['a'] });
    expect(mergePatch(undefined, { a: 1, b: null })).toEqual({ a: 1 });
  });
});
