import type { Request, Response } from 'express';
import { XMLBuilder } from 'fast-xml-parser';
import { wireCode } from '../../../domain/errors';
import type { ErrorEnvelope } from './envelope';

const xml = new XMLBuilder({ ignoreAttributes: true, format: false, suppressEmptyNode: false });

/** `Format=XML` (query or form body, any case) selects XML; JSON is the default (Alibaba RPC §1.8). */
export function wantsXml(req: Request): boolean {
  const fromBody: unknown =
    typeof req.body === 'object' && req.body !== null ? (req.body as Record<string, unknown>).Format : undefined;
  const format = req.query.Format ?? fromBody;
  return typeof format === 'string' && format.toUpperCase() === 'XML';
}

export const ALIBABA_XML_CONTENT_TYPE = 'text/xml;charset=utf-8';

/**
 * Sends `body` as `<?xml …?><Root>…</Root>` in JSON's place when the request asked for XML, else as JSON. The XML
 * goes out as a Buffer: Express rewrites the Content-Type of a string body to `text/xml; charset=utf-8` (with a
 * space), which the official SDK does not parse.
 */
export function sendAlibabaBody(req: Request, res: Response, root: string, body: Record<string, unknown>): void {
  if (!wantsXml(req)) {
    res.json(body);
    return;
  }
  const document = `<?xml version="1.0" encoding="UTF-8"?>${String(xml.build({ [root]: body }))}`;
  res.setHeader('Content-Type', ALIBABA_XML_CONTENT_TYPE).send(Buffer.from(document));
}

/**
 * Alibaba Cloud RPC errors (OutboundBot §3): `{RequestId, HostId, Code, Message}` as JSON, or the same fields under
 * `<Error>` as XML with exactly `text/xml;charset=utf-8` (the SDK parses nothing else). The status carries the
 * meaning: the SDK decides failure by status alone.
 */
export const alibabaEnvelope: ErrorEnvelope = {
  name: 'alibaba',
  send(req, res, error) {
    const body = {
      RequestId: String(req.id),
      HostId: req.headers.host ?? 'ccflow',
      Code: wireCode.alibaba(error.code),
      Message: error.message,
    };
    sendAlibabaBody(req, res.status(error.status), 'Error', body);
  },
};
