/**
 * Access-key secrets at rest: AES-256-GCM under the server key, bound to their tenant and key id, and the secret
 * shapes each scheme's clients expect.
 */
import { randomBytes } from 'node:crypto';
import { decryptSecret, encryptSecret, newAcsSecret, newAlibabaKeyPair, serverKeyFrom } from '../../db/access-keys';
import { REDACTED, redactHeaders, redactUrl } from '../../api/http/log-redaction';
import { parseConfig, publicBaseUrl } from '../../domain/config';

const serverKey = randomBytes(32);

describe('access-key secrets at rest', () => {
  it('round-trips, and never contains the secret in clear', () => {
    const secret = newAcsSecret();
    const sealed = encryptSecret(serverKey, secret, 't-1/ak-1');
    expect(sealed).not.toContain(secret);
    expect(sealed).not.toContain(Buffer.from(secret, 'base64').toString('hex'));
    expect(decryptSecret(serverKey, sealed, 't-1/ak-1')).toBe(secret);
  });

  it('uses a fresh IV: the same secret seals differently every time', () => {
    expect(encryptSecret(serverKey, 'same', 'c')).not.toBe(encryptSecret(serverKey, 'same', 'c'));
  });

  it('refuses another server key, another tenant or key id, and tampered bytes', () => {
    const sealed = encryptSecret(serverKey, 'secret', 't-1/ak-1');
    expect(() => decryptSecret(randomBytes(32), sealed, 't-1/ak-1')).toThrow();
    expect(() => decryptSecret(serverKey, sealed, 't-2/ak-1')).toThrow();
    expect(() => decryptSecret(serverKey, sealed, 't-1/ak-2')).toThrow();
    const [format, iv, tag, data = ''] = sealed.split('.');
    const flipped = Buffer.from(data, 'base64');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(() =>
      decryptSecret(serverKey, [format, iv, tag, flipped.toString('base64')].join('.'), 't-1/ak-1'),
    ).toThrow();
    expect(() => decryptSecret(serverKey, 'plain text', 't-1/ak-1')).toThrow();
  });

  it('accepts only a 32-byte server key', () => {
    expect(serverKeyFrom(randomBytes(32).toString('base64'))).toHaveLength(32);
    expect(() => serverKeyFrom(randomBytes(16).toString('base64'))).toThrow();
  });
});

describe('secret shapes', () => {
  it('ACS: base64 of 32 random bytes', () => {
    const secret = newAcsSecret();
    expect(Buffer.from(secret, 'base64')).toHaveLength(32);
    expect(newAcsSecret()).not.toBe(secret);
  });

  it('Alibaba: LTAI + 20 alphanumerics, a 30-character secret', () => {
    const { accessKeyId, accessKeySecret } = newAlibabaKeyPair();
    expect(accessKeyId).toMatch(/^LTAI[A-Za-z0-9]{20}$/);
    expect(accessKeySecret).toMatch(/^[A-Za-z0-9]{30}$/);
  });
});

describe('config: CCFLOW_SECRET_KEY and CCFLOW_PUBLIC_BASE_URL', () => {
  it('accepts a base64 32-byte key and refuses anything else, naming the variable', () => {
    expect(parseConfig({ CCFLOW_SECRET_KEY: randomBytes(32).toString('base64') }).CCFLOW_SECRET_KEY).toBeDefined();
    expect(() => parseConfig({ CCFLOW_SECRET_KEY: randomBytes(31).toString('base64') })).toThrow(/CCFLOW_SECRET_KEY/);
    expect(() => parseConfig({ CCFLOW_SECRET_KEY: 'not base64 at all!' })).toThrow(/CCFLOW_SECRET_KEY/);
  });

  it('defaults the public base URL to the API address, and trims a trailing slash', () => {
    expect(publicBaseUrl(parseConfig({}))).toBe('http://127.0.0.1:8080');
    expect(publicBaseUrl(parseConfig({ HOST: '0.0.0.0', PORT: '9000' }))).toBe('http://127.0.0.1:9000');
    expect(publicBaseUrl(parseConfig({ CCFLOW_PUBLIC_BASE_URL: 'https://cc.example.com/' }))).toBe(
      'https://cc.example.com',
    );
    expect(() => parseConfig({ CCFLOW_PUBLIC_BASE_URL: 'ftp://x' })).toThrow(/CCFLOW_PUBLIC_BASE_URL/);
  });
});

describe('log redaction of access-key secrets', () => {
  it('redacts connection strings and access keys echoed in headers or query parameters', () => {
    expect(redactHeaders({ 'x-connection-string': 'endpoint=x;accesskey=y', 'x-access-key-secret': 's' })).toEqual({
      'x-connection-string': REDACTED,
      'x-access-key-secret': REDACTED,
    });
    expect(redactUrl('/x?connectionString=a&accesskey=b&AccessKeySecret=c&n=1')).toBe(
      `/x?connectionString=${REDACTED}&accesskey=${REDACTED}&AccessKeySecret=${REDACTED}&n=1`,
    );
  });
});
