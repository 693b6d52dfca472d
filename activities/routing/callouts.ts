/**
 * The RouterRules that call out over HTTP (spec §4.3): `function` (an HTTP-triggered Azure Function) and `webhook`
 * (any endpoint behind OAuth2 client credentials). Activities only: a workflow hands the rule to an activity.
 *
 * Request: `POST` with the JSON payload (`{"job": {<labels>}}` when classifying; `{job, selectors, worker}` or
 * `{job, selectors, workers: [...]}` when scoring), `content-type: application/json`.
 * - function: `x-functions-key: <functionKey>` when set; `appKey` goes in the query as `code=<appKey>` and
 *   `clientId` as `clientId=<clientId>` (how Azure Functions accept a host key and name it).
 * - webhook: with an `authorizationServerUri`, a token from it (`POST`, form `grant_type=client_credentials`,
 *   `client_id`, `client_secret`; reply `{access_token, expires_in?}`), sent as `Authorization: Bearer <token>`.
 *   Tokens are cached per authorization server, client id and secret in this process until shortly before they
 *   expire (a token without `expires_in` is used once); a 401 with a cached token drops it and tries once with a new
 *   one.
 *   Without an `authorizationServerUri` the webhook is called without credentials.
 *
 * Reply: any 2xx; its body is the rule's value: JSON, or the text itself when it is not JSON; an empty body is blank.
 * 5xx, 408, 429, network errors and timeouts are retried with backoff (3 attempts, 200 ms then 400 ms); any other
 * status (3xx included: redirects are not followed) fails at once. Every failure is a result, never a throw, and its
 * reason names the rule (kind and URI without the query, which may hold a key) and the status or error.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { CalloutRule } from '../../domain/routing/classification';

export type CalloutResult = { ok: true; value: unknown } | { ok: false; reason: string };

export interface CalloutOptions {
  /** Attempts per HTTP request (the token request and the call each), default 3. */
  attempts?: number;
  /** Wait before the second attempt, doubled before each next one; default 200 ms. */
  backoffMs?: number;
  /** Timeout of one attempt, default 5 s. */
  timeoutMs?: number;
  /** Time for the whole call, token included, default 20 s (the classifyJob activity has 30 s). */
  budgetMs?: number;
  /** Largest reply body read, default 1 MiB. */
  maxBodyBytes?: number;
  /** Where OAuth2 tokens are cached; default the process-wide cache. */
  tokens?: TokenCache;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

interface Settings {
  attempts: number;
  backoffMs: number;
  timeoutMs: number;
  deadline: number;
  maxBodyBytes: number;
  tokens: TokenCache;
  fetch: typeof fetch;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
}

type TokenResult = { ok: true; token: string } | { ok: false; reason: string };
type FetchedToken = { ok: true; token: string; expiresInSeconds: number | undefined } | { ok: false; reason: string };

/**
 * OAuth2 access tokens by authorization server and client id. A token is kept until `min(60 s, a tenth of its
 * lifetime)` before it expires; concurrent requests for one key share one token request. At most `max` entries.
 */
export class TokenCache {
  private readonly tokens = new Map<string, { token: string; expiresAt: number }>();
  private readonly pending = new Map<string, Promise<FetchedToken>>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly max = 1000,
  ) {}

  /** The cached token for `key`, else one from `fetchToken` (cached when it says how long it lives). */
  async get(key: string, fetchToken: () => Promise<FetchedToken>): Promise<TokenResult & { cached?: boolean }> {
    const cached = this.tokens.get(key);
    if (cached && cached.expiresAt > this.now()) return { ok: true, token: cached.token, cached: true };
    this.tokens.delete(key);
    let request = this.pending.get(key);
    if (!request) {
      const started = this.now();
      request = fetchToken().then((fetched) => {
        if (fetched.ok && fetched.expiresInSeconds !== undefined) {
          const lifetime = fetched.expiresInSeconds * 1000;
          const expiresAt = started + lifetime - Math.min(60_000, lifetime / 10);
          if (expiresAt > this.now()) this.remember(key, fetched.token, expiresAt);
        }
        return fetched;
      });
      this.pending.set(key, request);
      void request.finally(() => this.pending.delete(key)).catch(() => undefined);
    }
    const fetched = await request;
    return fetched.ok ? { ok: true, token: fetched.token } : fetched;
  }

  /** Forgets `token` (the server refused it). */
  invalidate(key: string, token: string): void {
    if (this.tokens.get(key)?.token === token) this.tokens.delete(key);
  }

  private remember(key: string, token: string, expiresAt: number): void {
    this.tokens.delete(key);
    // Map keeps insertion order: the first key is the least recently stored.
    const oldest = this.tokens.size >= this.max ? this.tokens.keys().next() : undefined;
    if (oldest && !oldest.done) this.tokens.delete(oldest.value);
    this.tokens.set(key, { token, expiresAt });
  }
}

/** The process-wide token cache of the activity worker. */
export const sharedTokenCache = new TokenCache();

const tokenReplySchema = z.object({
  access_token: z.string().min(1),
  // Some servers (Azure AD v1) send it as text.
  expires_in: z.union([z.number().positive(), z.string().regex(/^\d+$/).transform(Number)]).optional(),
});

/** A URI as reasons show it: without the query, which may hold a key. */
function describeUri(uri: URL): string {
  return `${uri.origin}${uri.pathname}`;
}

function parseUri(text: string | undefined): URL | undefined {
  if (text === undefined) return undefined;
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

type Attempt = { ok: true; status: number; body: string } | { ok: false; reason: string; retry: boolean };

const RETRIED_STATUSES = new Set([408, 429]);

/** One HTTP exchange: the status and body of any reply, or why there was none. */
async function exchange(url: URL, init: RequestInit, settings: Settings): Promise<Attempt> {
  const remaining = settings.deadline - settings.now();
  if (remaining <= 0) return { ok: false, reason: 'ran out of time', retry: false };
  const timeout = Math.min(settings.timeoutMs, remaining);
  try {
    const response = await settings.fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeout) });
    if (response.status < 200 || response.status > 299) {
      await response.body?.cancel().catch(() => undefined);
      const retry = response.status >= 500 || RETRIED_STATUSES.has(response.status);
      return { ok: false, reason: `HTTP ${response.status}`, retry };
    }
    const body = await readBody(response, settings.maxBodyBytes);
    if (body === undefined)
      return { ok: false, reason: `a reply larger than ${settings.maxBodyBytes} bytes`, retry: false };
    return { ok: true, status: response.status, body };
  } catch (error) {
    const { name, message, cause } = describeError(error);
    if (name === 'TimeoutError' || name === 'AbortError') {
      return { ok: false, reason: `no reply within ${timeout} ms`, retry: true };
    }
    return { ok: false, reason: cause ? `${message}: ${cause}` : message, retry: true };
  }
}

/** An error's name, message and cause's message, by shape (fetch's errors may come from another realm). */
function describeError(error: unknown): { name: string; message: string; cause: string | undefined } {
  const field = (value: unknown, key: string): unknown =>
    typeof value === 'object' && value !== null && key in value ? (value as Record<string, unknown>)[key] : undefined;
  const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  const cause = field(error, 'cause');
  return {
    name: text(field(error, 'name')) ?? '',
    message: text(field(error, 'message')) ?? String(error),
    cause: text(field(cause, 'message')) ?? text(field(cause, 'code')),
  };
}

/** The body as text, or undefined when it is larger than `limit` bytes. */
async function readBody(response: Response, limit: number): Promise<string | undefined> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let size = 0;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

/** An exchange retried with backoff while it fails in a way worth retrying. */
async function withRetries(url: URL, init: () => RequestInit, settings: Settings): Promise<Attempt> {
  let attempt = 1;
  for (;;) {
    const result = await exchange(url, init(), settings);
    if (result.ok || !result.retry || attempt >= settings.attempts) {
      return result.ok || attempt === 1 ? result : { ...result, reason: `${result.reason} (${attempt} attempts)` };
    }
    const wait = settings.backoffMs * 2 ** (attempt - 1);
    if (settings.now() + wait >= settings.deadline) {
      return { ...result, reason: `${result.reason} (${attempt} attempts, out of time)` };
    }
    await settings.sleep(wait);
    attempt++;
  }
}

/** The reply body as the rule's value: JSON, else the text; empty is blank. */
function valueOf(body: string): unknown {
  if (body.trim() === '') return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body;
  }
}

async function fetchToken(
  server: URL,
  credential: { clientId?: string | undefined; clientSecret?: string | undefined } | undefined,
  settings: Settings,
): Promise<FetchedToken> {
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (credential?.clientId !== undefined) form.set('client_id', credential.clientId);
  if (credential?.clientSecret !== undefined) form.set('client_secret', credential.clientSecret);
  const reply = await withRetries(
    server,
    () => ({
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
    }),
    settings,
  );
  const where = `its authorization server ${describeUri(server)}`;
  if (!reply.ok) return { ok: false, reason: `${where} answered ${reply.reason}` };
  const parsed = tokenReplySchema.safeParse(valueOf(reply.body));
  if (!parsed.success) return { ok: false, reason: `${where} gave no access_token` };
  return { ok: true, token: parsed.data.access_token, expiresInSeconds: parsed.data.expires_in };
}

const jsonInit = (payload: string, headers: Record<string, string>) => (): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
  body: payload,
});

/**
 * Calls a `function` or `webhook` rule with `payload` and gives its value. Never throws for anything the rule's
 * endpoint does: a failure is `{ok: false, reason}`.
 */
export async function callRule(
  rule: CalloutRule,
  payload: unknown,
  options: CalloutOptions = {},
): Promise<CalloutResult> {
  const now = options.now ?? Date.now;
  const settings: Settings = {
    attempts: Math.max(1, options.attempts ?? 3),
    backoffMs: options.backoffMs ?? 200,
    timeoutMs: options.timeoutMs ?? 5_000,
    deadline: now() + (options.budgetMs ?? 20_000),
    maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
    tokens: options.tokens ?? sharedTokenCache,
    fetch: options.fetch ?? fetch,
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    now,
  };
  const body = JSON.stringify(payload);
  return rule.kind === 'function' ? callFunction(rule, body, settings) : callWebhook(rule, body, settings);
}

async function callFunction(
  rule: Extract<CalloutRule, { kind: 'function' }>,
  body: string,
  settings: Settings,
): Promise<CalloutResult> {
  const url = parseUri(rule.functionUri);
  if (!url) return { ok: false, reason: 'the function rule has no valid functionUri' };
  const { functionKey, appKey, clientId } = rule.credential ?? {};
  if (appKey !== undefined) url.searchParams.set('code', appKey);
  if (clientId !== undefined) url.searchParams.set('clientId', clientId);
  const reply = await withRetries(
    url,
    jsonInit(body, functionKey === undefined ? {} : { 'x-functions-key': functionKey }),
    settings,
  );
  if (!reply.ok) return { ok: false, reason: `the function rule ${describeUri(url)} answered ${reply.reason}` };
  return { ok: true, value: valueOf(reply.body) };
}

async function callWebhook(
  rule: Extract<CalloutRule, { kind: 'webhook' }>,
  body: string,
  settings: Settings,
): Promise<CalloutResult> {
  const url = parseUri(rule.webhookUri);
  if (!url) return { ok: false, reason: 'the webhook rule has no valid webhookUri' };
  const what = `the webhook rule ${describeUri(url)}`;
  const server = parseUri(rule.authorizationServerUri);
  if (rule.authorizationServerUri !== undefined && !server) {
    return { ok: false, reason: `${what}: its authorizationServerUri is not a URI` };
  }

  let reply: Attempt;
  if (server) {
    // The secret is part of the key (hashed): a cached token goes only to a rule that could have obtained it, so
    // another tenant naming the same server and client id with a wrong secret does not get it.
    const { clientId = '', clientSecret = '' } = rule.clientCredential ?? {};
    const key = [server.href, clientId, createHash('sha256').update(clientSecret).digest('base64url')].join('\n');
    const token = () => settings.tokens.get(key, () => fetchToken(server, rule.clientCredential, settings));
    let bearer = await token();
    if (!bearer.ok) return { ok: false, reason: `${what}: ${bearer.reason}` };
    reply = await withRetries(url, jsonInit(body, { authorization: `Bearer ${bearer.token}` }), settings);
    if (!reply.ok && reply.reason === 'HTTP 401' && bearer.cached) {
      // A cached token the webhook no longer takes (revoked, or the clocks disagree): one more try with a new one.
      settings.tokens.invalidate(key, bearer.token);
      bearer = await token();
      if (!bearer.ok) return { ok: false, reason: `${what}: ${bearer.reason}` };
      reply = await withRetries(url, jsonInit(body, { authorization: `Bearer ${bearer.token}` }), settings);
    }
  } else {
    reply = await withRetries(url, jsonInit(body, {}), settings);
  }
  if (!reply.ok) return { ok: false, reason: `${what} answered ${reply.reason}` };
  return { ok: true, value: valueOf(reply.body) };
}
