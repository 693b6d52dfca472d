import { z } from 'zod';
import { CAPABILITIES } from './capabilities';

/**
 * Every environment variable ccflow reads, validated once. Defaults serve the embedded stack (`npm start`).
 * TEMPORAL_ADDRESS / MONGODB_URI unset means "use the embedded service" (the supervisor fills them in for children).
 */
const durationPattern = /^\d+(ms|s|m|h|d)$/;
const duration = (name: string) =>
  z.string().regex(durationPattern, `${name} must be a duration such as 30s, 15m, 24h or 365d`);

export const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^:\s]+:\d+$/, 'TEMPORAL_ADDRESS must be host:port')
    .optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_UI_URL: z.url().optional(),
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'MONGODB_URI must start with mongodb:// or mongodb+srv://')
    .optional(),
  CCFLOW_DATA_DIR: z.string().min(1).default('.data'),
  CCFLOW_BLOB_DIR: z.string().min(1).optional(),
  CCFLOW_ADMIN_KEY: z.string().min(16, 'CCFLOW_ADMIN_KEY must be at least 16 characters').optional(),
  /**
   * The server key that encrypts tenants' access-key secrets at rest (AES-256-GCM): base64 of 32 bytes. HMAC schemes
   * need the clear secret on the server, so it cannot be hashed like an API key; without this key no access key can
   * be created or used.
   */
  CCFLOW_SECRET_KEY: z
    .string()
    .refine(
      (value) => /^[A-Za-z0-9+/]+={0,2}$/.test(value) && Buffer.from(value, 'base64').length === 32,
      'CCFLOW_SECRET_KEY must be the base64 encoding of 32 bytes (e.g. `openssl rand -base64 32`)',
    )
    .optional(),
  /** The URL clients reach the API at, written into connection strings; default `http://HOST:PORT`. */
  CCFLOW_PUBLIC_BASE_URL: z
    .url()
    .regex(/^https?:\/\//, 'CCFLOW_PUBLIC_BASE_URL must be an http:// or https:// URL')
    .transform((value) => value.replace(/\/+$/, ''))
    .optional(),
  CCFLOW_TASK_QUEUE_PREFIX: z.string().default(''),
  /** Which task queues this worker process polls: all by default; one per deployment to scale them apart. */
  CCFLOW_WORKER_TASK_QUEUES: z
    .string()
    .default(CAPABILITIES.join(','))
    .transform((value) =>
      value
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean),
    )
    .pipe(
      z
        .array(
          z.enum(CAPABILITIES, {
            error: `CCFLOW_WORKER_TASK_QUEUES lists some of: ${CAPABILITIES.join(', ')}`,
          }),
        )
        .min(1),
    ),
  CCFLOW_EMBEDDED_TEMPORAL_PORT: z.coerce.number().int().min(1).max(65535).default(7233),
  CCFLOW_TEMPORAL_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233),
  CCFLOW_EMBEDDED_MONGO_PORT: z.coerce.number().int().min(1).max(65535).default(27027),
  CCFLOW_BULK_RETENTION: duration('CCFLOW_BULK_RETENTION').default('365d'),
  CCFLOW_BULK_PURGE_EVERY: duration('CCFLOW_BULK_PURGE_EVERY').default('1d'),
  /** The storage sweep: how often it runs, and how old an incomplete upload or orphaned staging file must be. */
  CCFLOW_BULK_SWEEP_EVERY: duration('CCFLOW_BULK_SWEEP_EVERY').default('1h'),
  CCFLOW_BULK_ORPHAN_AGE: duration('CCFLOW_BULK_ORPHAN_AGE').default('1d'),
  CCFLOW_BULK_BATCH_SIZE: z.coerce.number().int().min(1).max(5000).default(1000),
  CCFLOW_MAX_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(55 * 1024 * 1024),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {}

/** Parses env vars; the error names each offending variable so start-up stops with an actionable message. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = configSchema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}

/** Where clients reach the API: CCFLOW_PUBLIC_BASE_URL, else the API's own listening address (no trailing slash). */
export function publicBaseUrl(config: Pick<Config, 'CCFLOW_PUBLIC_BASE_URL' | 'HOST' | 'PORT'>): string {
  if (config.CCFLOW_PUBLIC_BASE_URL) return config.CCFLOW_PUBLIC_BASE_URL;
  // A wildcard bind address is not somewhere a client can connect to; loopback is, on the same machine.
  const host = ['0.0.0.0', '::', '[::]'].includes(config.HOST) ? '127.0.0.1' : config.HOST;
  return `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${config.PORT}`;
}

/** Milliseconds of a duration string accepted by the schema above. */
export function durationMs(value: string): number {
  const match = durationPattern.exec(value);
  if (!match) throw new ConfigError(`not a duration: ${value}`);
  const amount = Number.parseInt(value, 10);
  const unit = { ms: 1, s: 1000, m: 60000, h: 3600000, d: 86400000 }[match[1] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return amount * unit;
}
