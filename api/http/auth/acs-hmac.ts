import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { ServiceError } from '../../../domain/errors';
import type { Tenant } from '../../context';
import { rawBodyOf } from '../body-parsers';
import type { AuthStrategy } from './strategy';

/** Requests dated further than this from the server's clock are refused (replay window). */
export const ACS_MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

const SCHEME = /^HMAC-SHA256\s+SignedHeaders=([^&\s]+)&Signature=(\S+)$/i;
const REQUIRED_SIGNED_HEADERS = 'x-ms-date;host;x-ms-content-sha256';

/** The parts of a request the ACS HMAC scheme signs, exactly as they arrived. */
export interface AcsSignedParts {
  method: string;
  /** Path and query as sent (percent-encoding untouched). */
  pathAndQuery: string;
  host: string;
  date: string;
  contentHash: string;
}

/** `VERB\n<path?query>\n<x-ms-date>;<host>;<x-ms-content-sha256>` (ACS hmac-header tutorial). */
export const acsStringToSign = (parts: AcsSignedParts): string =>
  `${parts.method.toUpperCase()}\n${parts.pathAndQuery}\n${parts.date};${parts.host};${parts.contentHash}`;

/** Base64 HMAC-SHA256 with the base64-decoded access key. */
export const acsSignature = (accessKeyBase64: string, stringToSign: string): string =>
  createHmac('sha256', Buffer.from(accessKeyBase64, 'base64')).update(stringToSign, 'utf8').digest('base64');

export const acsContentHash = (body: Buffer | string): string => createHash('sha256').update(body).digest('base64');

/** One access key that may have signed the request, with the tenant it belongs to. */
export interface AcsAccessKey {
  tenant: Tenant;
  /** The base64 secret of the connection string (`accesskey=`). */
  secret: string;
}

export interface AcsHmacOptions {
  /**
   * The values the client may have signed as "host", given the Host header. The official Python client signs its
   * configured endpoint without the scheme, path and trailing slash included (`127.0.0.1:8080/tenants/t-1/`), not the
   * Host header, so a server whose endpoints carry a path lists those spellings too. Default: the Host header only.
   */
  signedHosts?: (req: Request, host: string) => readonly string[];
}

/**
 * The ACS HMAC-SHA256 scheme (`Authorization: HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&
 * Signature=…`). The scheme names no key, so `candidateKeys` returns the keys that may have signed (e.g. every
 * active key; few per tenant) and the first whose signature matches wins. The body hash is checked against the
 * bytes received, and a date outside ±15 minutes is refused.
 */
export function acsHmac(
  candidateKeys: (req: Request) => Promise<readonly AcsAccessKey[]>,
  now = Date.now,
  options: AcsHmacOptions = {},
): AuthStrategy {
  const signedHosts = options.signedHosts ?? ((_req: Request, host: string) => [host]);
  return {
    describe: '"HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=<signature>"',
    applies: (req) => /^HMAC-SHA256\s/i.test(req.headers.authorization ?? ''),
    async authenticate(req) {
      const parts = signedParts(req, now());
      const expected = SCHEME.exec(req.headers.authorization ?? '')?.[2] ?? '';
      const keys = await candidateKeys(req);
      for (const host of signedHosts(req, parts.host)) {
        const stringToSign = acsStringToSign({ ...parts, host });
        for (const key of keys) {
          if (sameBase64(acsSignature(key.secret, stringToSign), expected)) return key.tenant;
        }
      }
      throw new ServiceError('unauthorized', 'The HMAC signature does not match any access key of this endpoint.');
    },
  };
}

function signedParts(req: Request, nowMs: number): AcsSignedParts {
  const match = SCHEME.exec(req.headers.authorization ?? '');
  if (!match?.[1] || match[1].toLowerCase() !== REQUIRED_SIGNED_HEADERS) {
    throw new ServiceError(
      'unauthorized',
      `Authorization header must be "HMAC-SHA256 SignedHeaders=${REQUIRED_SIGNED_HEADERS}&Signature=<signature>".`,
    );
  }
  const date = header(req, 'x-ms-date');
  const host = header(req, 'host');
  const contentHash = header(req, 'x-ms-content-sha256');
  const dated = Date.parse(date);
  if (Number.isNaN(dated)) throw new ServiceError('unauthorized', 'x-ms-date is not an RFC 1123 date.');
  if (Math.abs(nowMs - dated) > ACS_MAX_CLOCK_SKEW_MS) {
    throw new ServiceError('unauthorized', `x-ms-date ${date} is more than 15 minutes away from the server's clock.`);
  }
  if (contentHash !== acsContentHash(rawBodyOf(req))) {
    throw new ServiceError('unauthorized', 'x-ms-content-sha256 does not match the SHA-256 of the request body.');
  }
  return { method: req.method, pathAndQuery: req.originalUrl, host, date, contentHash };
}

function header(req: Request, name: string): string {
  const value = req.headers[name];
  if (typeof value !== 'string' || value === '') {
    throw new ServiceError('unauthorized', `The ${name} header is required with HMAC-SHA256 authentication.`);
  }
  return value;
}

function sameBase64(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
