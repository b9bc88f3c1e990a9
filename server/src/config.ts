import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { LIMITS } from '@pigeon/sync-protocol';

/**
 * Every setting of the server in one validated object. `loadConfig(env)` maps the
 * public environment variables (see /README.md and the contract) onto it; tests
 * and embedders pass a partial object to `resolveConfig` instead, so a test never
 * picks up the developer's shell environment by accident.
 */
export interface ServerConfig {
  /** TCP port; 0 = an ephemeral port (tests). */
  port: number;
  host: string;
  /** SQLite file and the generated JWT secret live here. */
  dataDir: string;
  /** When set, MongoDB instead of SQLite. */
  mongodbUri: string | null;
  /** Database name for MongoDB; null = the one in the URI (or the store's default). */
  mongoDbName: string | null;
  /** HS256 secret; null = generated once and persisted in dataDir. */
  jwtSecret: string | null;
  /** When set, Socket.io uses the Redis adapter so several nodes act as one. */
  redisUrl: string | null;
  /** Sends per user per window (SEND_RATE_LIMIT); 0 disables the limit. */
  sendRateLimit: number;
  /** The rate-limit window; 10 s by contract, adjustable only in code (tests). */
  sendRateWindowMs: number;
  logLevel: LogLevel;
  /** Lifetime of issued JWTs, seconds. */
  tokenTtlSeconds: number;
  /** The built PWA; served at / when the folder exists. */
  clientDistDir: string;
  /** Upper bound of one group commit. */
  maxSendBatch: number;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const DEFAULT_CLIENT_DIST = fileURLToPath(new URL('../../client/dist', import.meta.url));

export const DEFAULT_CONFIG: ServerConfig = {
  port: 3000,
  host: '127.0.0.1',
  dataDir: './data',
  mongodbUri: null,
  mongoDbName: null,
  jwtSecret: null,
  redisUrl: null,
  sendRateLimit: LIMITS.sendRateDefault,
  sendRateWindowMs: LIMITS.sendRateWindowMs,
  logLevel: 'info',
  tokenTtlSeconds: 30 * 24 * 3600,
  clientDistDir: DEFAULT_CLIENT_DIST,
  maxSendBatch: 512,
};

const configSchema = z.object({
  port: z.number().int().min(0).max(65535),
  host: z.string().min(1),
  dataDir: z.string().min(1),
  mongodbUri: z.string().min(1).nullable(),
  mongoDbName: z.string().min(1).nullable(),
  // A short HS256 key is guessable offline from any token; insist on some length.
  jwtSecret: z.string().min(16, 'JWT_SECRET must be at least 16 characters').nullable(),
  redisUrl: z.string().min(1).nullable(),
  sendRateLimit: z.number().int().min(0),
  sendRateWindowMs: z.number().int().positive(),
  logLevel: z.enum(LOG_LEVELS),
  tokenTtlSeconds: z.number().int().positive(),
  clientDistDir: z.string().min(1),
  maxSendBatch: z.number().int().min(1).max(10_000),
});

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Defaults + overrides, validated. Throws ConfigError naming the bad setting. */
export function resolveConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  const merged = { ...DEFAULT_CONFIG };
  for (const [key, value] of Object.entries(overrides)) {
    // `undefined` means "not given", so it must not erase a default.
    if (value !== undefined && key in DEFAULT_CONFIG) (merged as Record<string, unknown>)[key] = value;
  }
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ConfigError(`invalid setting ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

/** Empty strings count as unset: `FOO= npm run serve` should mean "no FOO". */
const envString = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === '' ? undefined : value.trim();

function envInt(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = envString(env[name]);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a non-negative integer, got "${raw}"`);
  return Number(raw);
}

/** The public environment variables → a validated config. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const logLevel = envString(env.LOG_LEVEL)?.toLowerCase();
  if (logLevel !== undefined && !(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  return resolveConfig({
    port: envInt(env, 'PORT'),
    host: envString(env.HOST),
    dataDir: envString(env.DATA_DIR),
    mongodbUri: envString(env.MONGODB_URI) ?? null,
    jwtSecret: envString(env.JWT_SECRET) ?? null,
    redisUrl: envString(env.REDIS_URL) ?? null,
    sendRateLimit: envInt(env, 'SEND_RATE_LIMIT'),
    logLevel: logLevel as LogLevel | undefined,
  });
}
