import type { IncomingMessage } from 'node:http';
import express, { type RequestHandler } from 'express';

/**
 * Body parsers a route group may choose. Each keeps the exact bytes it read, because request signatures (ACS HMAC,
 * Alibaba V3) hash the body as sent, never a re-serialised form. Multipart bodies are not parsed here: they stream
 * into the blob store from the handler (api/http/multipart.ts).
 */
const rawBodies = new WeakMap<IncomingMessage, Buffer>();

/** The body bytes a parser read; empty when the request had no body or no parser ran. */
export const rawBodyOf = (req: IncomingMessage): Buffer => rawBodies.get(req) ?? Buffer.alloc(0);

const keepRawBody = (req: IncomingMessage, _res: unknown, buffer: Buffer): void => {
  rawBodies.set(req, buffer);
};

const JSON_LIMIT = '1mb';

export const bodyParsers = {
  /** `application/json`. */
  json: (): RequestHandler => express.json({ limit: JSON_LIMIT, verify: keepRawBody }),
  /** `application/json` and RFC 7396 `application/merge-patch+json` (the Azure upserts). */
  jsonAndMergePatch: (): RequestHandler =>
    express.json({
      limit: JSON_LIMIT,
      type: ['application/json', 'application/merge-patch+json'],
      verify: keepRawBody,
    }),
  /**
   * `application/x-www-form-urlencoded` as flat string fields (the Alibaba RPC form body; `Name.N` stays flat).
   * `limit` is larger for the outbound API, whose AssignJobsAsync carries up to 10,000 jobs in one field.
   */
  form: (limit: string = JSON_LIMIT): RequestHandler =>
    express.urlencoded({ limit, extended: false, parameterLimit: 5000, verify: keepRawBody }),
};
