import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { ServiceError } from '../../../domain/errors';
import type { Tenant } from '../../context';
import { rawBodyOf } from '../body-parsers';
import type { AuthStrategy } from './strategy';

/** Timestamps further than this from the server's clock, and nonces seen within it, are refused. */
export const ALIBABA_REPLAY_WINDOW_MS = 15 * 60 * 1000;

/** RFC 3986 percent-encoding as Alibaba Cloud signs it (`*` → `%2A`, `~` kept, space → `%20`). */
export const percentEncode = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

type Params = Record<string, string>;

/** V1 (`SignatureMethod=HMAC-SHA1`): `METHOD&%2F&<encoded sorted params>`, key `secret&`, base64. */
export function rpcV1Signature(method: string, params: Params, secret: string): string {
  const canonical = Object.keys(params)
    .filter((key) => key !== 'Signature')
    .sort()
    .map((key) => `${percentEncode(key)}=${percentEncode(params[key] ?? '')}`)
    .join('&');
  const stringToSign = `${method.toUpperCase()}&${percentEncode('/')}&${percentEncode(canonical)}`;
  return createHmac('sha1', `${secret}&`).update(stringToSign, 'utf8').digest('base64');
}

/** The parts of a request V3 (`ACS3-HMAC-SHA256`) signs. */
export interface V3SignedParts {
  method: string;
  /** The path as sent, e.g. `/`. */
  path: string;
  /** Decoded query parameters; re-encoded and sorted here, as the SDK does. */
  query: Params;
  /** Lower-case names of the signed headers and their values. */
  headers: Params;
  signedHeaders: readonly string[];
  contentHash: string;
}

export function v3CanonicalRequest(parts: V3SignedParts): string {
  const query = Object.keys(parts.query)
    .sort()
    .map((key) => `${percentEncode(key)}=${percentEncode(parts.query[key] ?? '')}`)
    .join('&');
  const headers = parts.signedHeaders.map((name) => `${name}:${(parts.headers[name] ?? '').trim()}\n`).join('');
  return [
    parts.method.toUpperCase(),
    parts.path,
    query,
    headers,
    parts.signedHeaders.join(';'),
    parts.contentHash,
  ].join('\n');
}

/** Hex HMAC-SHA256 of `ACS3-HMAC-SHA256\n<sha256 hex of the canonical request>`. */
export function v3Signature(parts: V3SignedParts, secret: string): string {
  const hashed = createHash('sha256').update(v3CanonicalRequest(parts), 'utf8').digest('hex');
  return createHmac('sha256', secret).update(`ACS3-HMAC-SHA256\n${hashed}`, 'utf8').digest('hex');
}

export interface AlibabaAccessKey {
  tenant: Tenant;
  secret: string;
}

/** Remembers nonces for the replay window. One process's memory: replicas need a shared store (see docs). */
export interface NonceStore {
  /** false when the nonce was already used within the window. */
  claim(nonce: string, nowMs: number): boolean;
}

export function memoryNonceStore(windowMs = ALIBABA_REPLAY_WINDOW_MS): NonceStore {
  const seen = new Map<string, number>();
  return {
    claim(nonce, nowMs) {
      for (const [key, at] of seen) {
        if (nowMs - at <= windowMs) break; // insertion order = time order
        seen.delete(key);
      }
      if (seen.has(nonce)) return false;
      seen.set(nonce, nowMs);
      return true;
    },
  };
}

/** What a V3 signature must cover so that host, action, version, time and body cannot be swapped. */
const V3_REQUIRED_SIGNED_HEADERS = [
  'host',
  'x-acs-action',
  'x-acs-version',
  'x-acs-date',
  'x-acs-signature-nonce',
  'x-acs-content-sha256',
] as const;

const V3_SCHEME = /^ACS3-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]+)$/i;

const flat = (source: unknown): Params => {
  const params: Params = {};
  if (typeof source !== 'object' || source === null) return params;
  for (const [key, value] of Object.entries(source)) {
    if (typeof value === 'string') params[key] = value;
    else if (Array.isArray(value) && typeof value[0] === 'string') params[key] = value[0];
  }
  return params;
};

/**
 * Alibaba Cloud's two RPC signature generations: V3 in the Authorization header (the SDK's default) and V1 in the
 * query (`Signature`, `SignatureNonce`, `Timestamp`, `AccessKeyId`). Unknown key, bad signature, stale timestamp
 * and reused nonce each get the platform's own code.
 */
export function alibabaSignature(
  findKey: (accessKeyId: string) => Promise<AlibabaAccessKey | undefined>,
  nonces: NonceStore,
  now = Date.now,
): AuthStrategy {
  async function keyFor(accessKeyId: string): Promise<AlibabaAccessKey> {
    const key = await findKey(accessKeyId);
    if (!key) throw new ServiceError('invalidAccessKeyId', `Specified access key is not found: ${accessKeyId}.`);
    return key;
  }
  function checkFreshness(timestamp: string | undefined, nonce: string | undefined, what: string): void {
    const at = timestamp ? Date.parse(timestamp) : Number.NaN;
    if (Number.isNaN(at)) throw new ServiceError('invalidTimestamp', `${what} is missing or not an ISO 8601 UTC time.`);
    if (Math.abs(now() - at) > ALIBABA_REPLAY_WINDOW_MS) {
      throw new ServiceError(
        'invalidTimestamp',
        `${what} ${timestamp} is more than 15 minutes away from the server's clock.`,
      );
    }
    if (!nonce) throw new ServiceError('missingSignature', 'The signature nonce is missing.');
    if (!nonces.claim(nonce, now())) {
      throw new ServiceError('signatureNonceUsed', `The signature nonce ${nonce} has been used within 15 minutes.`);
    }
  }
  return {
    describe: '"ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…" or the V1 Signature query parameters',
    applies: (req) => V3_SCHEME.test(req.headers.authorization ?? '') || typeof req.query.Signature === 'string',
    async authenticate(req: Request) {
      const v3 = V3_SCHEME.exec(req.headers.authorization ?? '');
      if (v3) {
        const [, accessKeyId = '', signedHeaderList = '', signature = ''] = v3;
        const key = await keyFor(accessKeyId);
        const signedHeaders = signedHeaderList.toLowerCase().split(';');
        const unsigned = V3_REQUIRED_SIGNED_HEADERS.filter((name) => !signedHeaders.includes(name));
        if (unsigned.length > 0) {
          throw new ServiceError('signatureDoesNotMatch', `SignedHeaders must include ${unsigned.join(', ')}.`);
        }
        const headers: Params = {};
        for (const name of signedHeaders) headers[name] = String(req.headers[name] ?? '');
        const contentHash = headers['x-acs-content-sha256'] ?? '';
        if (contentHash !== createHash('sha256').update(rawBodyOf(req)).digest('hex')) {
          throw new ServiceError('signatureDoesNotMatch', 'x-acs-content-sha256 does not match the request body.');
        }
        const path = req.originalUrl.split('?')[0] ?? '/';
        const expected = v3Signature(
          { method: req.method, path, query: flat(req.query), headers, signedHeaders, contentHash },
          key.secret,
        );
        if (!same(expected, signature.toLowerCase())) {
          throw new ServiceError(
            'signatureDoesNotMatch',
            'The request signature does not conform to Alibaba Cloud standards.',
          );
        }
        checkFreshness(headers['x-acs-date'], headers['x-acs-signature-nonce'], 'x-acs-date');
        return key.tenant;
      }
      const params = { ...flat(req.body), ...flat(req.query) };
      const key = await keyFor(params.AccessKeyId ?? '');
      if (!same(rpcV1Signature(req.method, params, key.secret), params.Signature ?? '')) {
        throw new ServiceError(
          'signatureDoesNotMatch',
          'The request signature does not conform to Alibaba Cloud standards.',
        );
      }
      checkFreshness(params.Timestamp, params.SignatureNonce, 'Timestamp');
      return key.tenant;
    },
  };
}

function same(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
