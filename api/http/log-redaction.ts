/**
 * What request logs must never contain: credentials of any of the three protocols. Headers and query parameters
 * are matched by name; their values are replaced, so a log line still shows that a credential was sent.
 */
export const REDACTED = '[REDACTED]';

// `connection.?string` and `access.?key` (accessKeySecret, accesskey=) cover the access-key API's secrets wherever a
// client echoes them back in a header or query parameter.
const SECRET_NAME =
  /authorization|cookie|signature|secret|token|access.?key|api.?key|password|content-sha256|connection.?string/i;

export const isSecretName = (name: string): boolean => SECRET_NAME.test(name);

export function redactHeaders(headers: unknown): Record<string, unknown> {
  if (typeof headers !== 'object' || headers === null) return {};
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name, isSecretName(name) ? REDACTED : value]),
  );
}

/** The URL with secret query parameters replaced; the path and the other parameters stay as sent. */
export function redactUrl(url: unknown): unknown {
  if (typeof url !== 'string') return url;
  const queryStart = url.indexOf('?');
  if (queryStart < 0) return url;
  const query = url
    .slice(queryStart + 1)
    .split('&')
    .map((pair) => {
      const name = safeDecode(pair.split('=')[0] ?? '');
      return isSecretName(name) ? `${pair.split('=')[0] ?? ''}=${REDACTED}` : pair;
    })
    .join('&');
  return `${url.slice(0, queryStart)}?${query}`;
}

export function redactQuery(query: unknown): unknown {
  if (typeof query !== 'object' || query === null) return query;
  return Object.fromEntries(
    Object.entries(query).map(([name, value]) => [name, isSecretName(name) ? REDACTED : value]),
  );
}

/** pino-http's `req` serializer, wrapped: the serialized request with every credential redacted. */
export function redactSerializedRequest<T extends object>(req: T): T {
  const record = req as Record<string, unknown>;
  return {
    ...req,
    url: redactUrl(record.url),
    ...('query' in record ? { query: redactQuery(record.query) } : {}),
    headers: redactHeaders(record.headers),
  };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}
