import {
  sha256Hex,
  canonicalJson,
  computeEtag,
  formatTimestamp,
  httpDate,
  ifMatchSatisfied,
  normaliseTimestamp,
  omitNulls,
  timestampMillis,
  toWire,
} from '../../domain/routing/wire';

const WIRE_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}\+00:00$/;

describe('timestamps (spec §1)', () => {
  it.each([
    ['2023-11-06T00:59:08.9531666+00:00', '2023-11-06T00:59:08.9531666+00:00'],
    ['2023-11-06T00:59:08Z', '2023-11-06T00:59:08.0000000+00:00'],
    ['2023-11-06T00:59:08.1z', '2023-11-06T00:59:08.1000000+00:00'],
    ['2023-11-06T02:59:08.123+02:00', '2023-11-06T00:59:08.1230000+00:00'],
    ['2023-11-05T20:29:08.123-0430', '2023-11-06T00:59:08.1230000+00:00'],
    ['2023-11-06T05:59:08+05', '2023-11-06T00:59:08.0000000+00:00'],
    ['2023-11-06T00:59:08.123456789Z', '2023-11-06T00:59:08.1234567+00:00'],
    ['2023-11-06T00:59', '2023-11-06T00:59:00.0000000+00:00'],
    ['2023-11-06 00:59:08,5Z', '2023-11-06T00:59:08.5000000+00:00'],
    ['2024-02-29T23:30:00-01:00', '2024-03-01T00:30:00.0000000+00:00'],
  ])('%s → %s', (input, expected) => {
    expect(normaliseTimestamp(input)).toBe(expected);
    expect(expected).toMatch(WIRE_TIMESTAMP);
  });

  it.each([
    '',
    'tomorrow',
    '2023-02-30T00:00:00Z',
    '2023-13-01T00:00:00Z',
    '2023-11-06T24:00:00Z',
    '2023-11-06',
    '1700000000',
  ])('rejects %j', (input) => expect(normaliseTimestamp(input)).toBeUndefined());

  it('server instants are written with exactly 7 digits', () => {
    expect(formatTimestamp(Date.UTC(2026, 10, 29, 21, 5, 0, 123))).toBe('2026-11-29T21:05:00.1230000+00:00');
    expect(formatTimestamp(new Date('2026-11-29T21:05:00Z'))).toBe('2026-11-29T21:05:00.0000000+00:00');
    for (let ms = 0; ms < 2000; ms += 7) expect(formatTimestamp(1_700_000_000_000 + ms)).toMatch(WIRE_TIMESTAMP);
  });

  it('timestampMillis and httpDate', () => {
    expect(timestampMillis('2023-11-06T00:59:08.9531666+00:00')).toBe(Date.UTC(2023, 10, 6, 0, 59, 8, 953));
    expect(timestampMillis('nope')).toBeUndefined();
    expect(httpDate(Date.UTC(2026, 10, 29, 15, 43))).toBe('Sun, 29 Nov 2026 15:43:00 GMT');
  });
});

describe('ETag (spec §6.2)', () => {
  it('hashes with SHA-256 (FIPS 180-2 test vectors)', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  const resource = { id: 'q', labels: { a: 1, b: 'x' }, name: 'Main', list: [1, 2] };

  it('is a quoted string, stable across key order, ignoring any etag member', () => {
    const etag = computeEtag(resource);
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(computeEtag({ list: [1, 2], name: 'Main', labels: { b: 'x', a: 1 }, id: 'q' })).toBe(etag);
    expect(computeEtag({ ...resource, etag: '"old"' })).toBe(etag);
    expect(computeEtag({ ...resource, missing: undefined })).toBe(etag);
  });

  it('changes with content, array order included', () => {
    const etag = computeEtag(resource);
    expect(computeEtag({ ...resource, name: 'Other' })).not.toBe(etag);
    expect(computeEtag({ ...resource, labels: { a: '1', b: 'x' } })).not.toBe(etag);
    expect(computeEtag({ ...resource, list: [2, 1] })).not.toBe(etag);
  });

  it('If-Match compares quoted strings; * matches; weak tags never match', () => {
    const etag = computeEtag(resource);
    expect(ifMatchSatisfied(etag, etag)).toBe(true);
    expect(ifMatchSatisfied(etag.slice(1, -1), etag)).toBe(true);
    expect(ifMatchSatisfied(`"other", ${etag}`, etag)).toBe(true);
    expect(ifMatchSatisfied('*', etag)).toBe(true);
    expect(ifMatchSatisfied(`W/${etag}`, etag)).toBe(false);
    expect(ifMatchSatisfied('"other"', etag)).toBe(false);
  });
});

describe('JSON shape', () => {
  it('canonical JSON sorts keys at every depth and keeps arrays in order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { f: 1, e: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"e":2,"f":1}]},"b":1}',
    );
  });

  it('null scalars are omitted, empty collections kept, etag added last', () => {
    expect(omitNulls({ a: null, b: [], c: {}, d: [{ e: null, f: 1 }], g: 0, h: false })).toEqual({
      b: [],
      c: {},
      d: [{ f: 1 }],
      g: 0,
      h: false,
    });
    const wire = toWire({ id: 'x', dispositionCode: null, labels: {}, notes: [] });
    expect(wire).toEqual({ id: 'x', labels: {}, notes: [], etag: computeEtag({ id: 'x', labels: {}, notes: [] }) });
  });
});
