import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { LIMITS, SEND_BATCH } from '@pigeon/sync-protocol';
import { DEFAULT_PUSH_CONFIG, pushConfigFromEnv, pushConfigShape, vapidPairIssue, type PushConfig } from './push/push-config.ts';

/**
 * Every setting of the server in one validated object. `loadConfig(env)` maps the
 * public environment variables (see /README.md and the contract) onto it; tests
 * and embedders pass a partial object to `resolveConfig` instead, so a test never
 * picks up the developer's shell environment by accident.
 */
/** Web Push settings (VAPID_*, PUSH_*) are in push/push-config.ts. */
export interface ServerConfig extends PushConfig {
  /** TCP port; 0 = an ephemeral port (tests). */
  port: number;
  host: string;
  /** SQLite file and the generated JWT secret live here. */
  dataDir: string;
  /** When set, MongoDB instead of SQLite. */
  mongodbUri: string | null;
  /** Database name for MongoDB; null = the one in the URI (or the store's default). */
  mongoDbName: string | null;
  /** MongoDB commands taking at least this long are logged with their shape (MONGO_SLOW_COMMAND_MS); 0 = off. */
  mongoSlowCommandMs: number;
  /** HS256 secret; null = generated once and persisted in dataDir. */
  jwtSecret: string | null;
  /** When set, Socket.io uses the Redis adapter so several nodes act as one. */
  redisUrl: string | null;
  /** The Redis key holding the cluster's store identity (CLUSTER_STORE_KEY); only tests sharing one redis-server change it. */
  clusterStoreKey: string;
  /** Sends per user per window (SEND_RATE_LIMIT); 0 disables the limit. */
  sendRateLimit: number;
  /** The rate-limit window; 10 s by contract, adjustable only in code (tests). */
  sendRateWindowMs: number;
  /** Message searches per user per window (SEARCH_RATE_LIMIT); 0 disables the limit. */
  searchRateLimit: number;
  logLevel: LogLevel;
  /** Lifetime of access tokens (JWT), seconds (ACCESS_TOKEN_TTL). */
  accessTokenTtlSeconds: number;
  /** Lifetime of a session's refresh token since its last use, seconds (REFRESH_TOKEN_TTL). */
  refreshTokenTtlSeconds: number;
  /** scrypt cost as log2(N) (SCRYPT_LOG_N); 17 = OWASP's minimum. Lower only in tests. */
  scryptLogN: number;
  /** Password hashes computed at once (PASSWORD_HASH_CONCURRENCY); the rest wait in a bounded queue. */
  passwordHashConcurrency: number;
  /** Password hashes allowed to wait (PASSWORD_HASH_QUEUE); past it login/register answer 429. */
  passwordHashQueue: number;
  /** Login attempts per client address per auth window (LOGIN_LIMIT_IP); 0 = off. */
  loginLimitPerIp: number;
  /** Failed logins per username per auth window (LOGIN_LIMIT_USER); 0 = off. */
  loginLimitPerUser: number;
  /** Registrations per client address per auth window (REGISTER_LIMIT_IP); 0 = off. */
  registerLimitPerIp: number;
  /** Window of the login/register limits, ms (15 min; adjustable only in code, for tests). */
  authLimitWindowMs: number;
  /** Client events other than sends per socket per 10 s (SOCKET_EVENT_LIMIT); 0 = off. */
  socketEventLimit: number;
  /** Client events other than sends per user (all sockets, all nodes) per 10 s (USER_EVENT_LIMIT); 0 = off. */
  userEventLimit: number;
  /** Open sockets per user on one node (MAX_SOCKETS_PER_USER); one more disconnects the user's oldest socket there. */
  maxSocketsPerUser: number;
  /** Socket handshakes per user per handshake window (HANDSHAKE_LIMIT_USER); 0 = off. Over it: connect_error RATE_LIMITED. */
  handshakeLimitPerUser: number;
  /** Socket handshakes per client address per handshake window (HANDSHAKE_LIMIT_IP); 0 = off. */
  handshakeLimitPerIp: number;
  /** Window of the handshake limits, ms (1 min; adjustable only in code, for tests). */
  handshakeWindowMs: number;
  /** Bytes a socket may have queued but unsent before it is disconnected as a slow reader (SOCKET_BUFFER_MAX_BYTES). */
  socketBufferMaxBytes: number;
  /** Trust X-Forwarded-For / X-Forwarded-Proto from a reverse proxy (TRUST_PROXY). */
  trustProxy: boolean;
  /** With REDIS_URL: each node refreshes its heartbeat key this often, ms (NODE_HEARTBEAT_MS; cluster/liveness.ts). */
  nodeHeartbeatMs: number;
  /** With REDIS_URL: a node whose heartbeat is this old is dead and reaped, ms (NODE_TTL_MS). */
  nodeTtlMs: number;
  /** With REDIS_URL: every node looks for dead nodes this often, ms (NODE_SWEEP_MS). */
  nodeSweepMs: number;
  /** With REDIS_URL: how long a presence read waits for Redis before answering from this node's sockets, ms (PRESENCE_REDIS_TIMEOUT_MS). */
  presenceRedisTimeoutMs: number;
  /** The built PWA; served at / when the folder exists. */
  clientDistDir: string;
  /** Upper bound of one group commit. */
  maxSendBatch: number;
  /** Messages one batched send (`send-messages`, POST /api/messages/batch) may store (SEND_BATCH_MAX; 1..SEND_BATCH.maxItems); the client sends the rest again. */
  sendBatchMax: number;
  /** The largest attachment in bytes (ATTACHMENT_MAX_BYTES); checked before the body is read and while it streams. */
  attachmentMaxBytes: number;
  /** Upload requests carrying bytes at once per user on one node (ATTACHMENT_UPLOADS_PER_USER); one more is 429. */
  attachmentUploadsPerUser: number;
  /** Images decoded at once on one node (ATTACHMENT_IMAGE_CONCURRENCY); the others wait, in turn per user. */
  attachmentImageConcurrency: number;
  /** Images over this many pixels get width/height from their header only: no thumbnail, no server preview (ATTACHMENT_IMAGE_MAX_PIXELS). */
  attachmentImageMaxPixels: number;
  /** Between two attachment sweeps, ms (ATTACHMENT_SWEEP_MS). */
  attachmentSweepMs: number;
  /** Uploads never sent, and staged uploads untouched, for this long are swept, ms (ATTACHMENT_ORPHAN_TTL_MS). */
  attachmentOrphanTtlMs: number;
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
  mongoSlowCommandMs: 0,
  jwtSecret: null,
  redisUrl: null,
  clusterStoreKey: 'pigeon:cluster:store-identity',
  sendRateLimit: LIMITS.sendRateDefault,
  sendRateWindowMs: LIMITS.sendRateWindowMs,
  searchRateLimit: 30,
  logLevel: 'info',
  accessTokenTtlSeconds: 15 * 60,
  refreshTokenTtlSeconds: 30 * 24 * 3600,
  scryptLogN: 17,
  passwordHashConcurrency: 2,
  passwordHashQueue: 32,
  loginLimitPerIp: 30,
  loginLimitPerUser: 10,
  registerLimitPerIp: 10,
  authLimitWindowMs: 15 * 60_000,
  socketEventLimit: 200,
  userEventLimit: 500,
  maxSocketsPerUser: 20,
  handshakeLimitPerUser: 60,
  handshakeLimitPerIp: 300,
  handshakeWindowMs: 60_000,
  socketBufferMaxBytes: 1024 * 1024,
  trustProxy: false,
  nodeHeartbeatMs: 3_000,
  nodeTtlMs: 10_000,
  nodeSweepMs: 2_000,
  presenceRedisTimeoutMs: 500,
  clientDistDir: DEFAULT_CLIENT_DIST,
  maxSendBatch: 512,
  sendBatchMax: SEND_BATCH.maxItems,
  attachmentMaxBytes: LIMITS.attachmentMaxBytesDefault,
  attachmentUploadsPerUser: 4,
  attachmentImageConcurrency: 2,
  attachmentImageMaxPixels: 50_000_000,
  attachmentSweepMs: 3_600_000,
  attachmentOrphanTtlMs: 24 * 3_600_000,
  ...DEFAULT_PUSH_CONFIG,
};

const configSchema = z.object({
  port: z.number().int().min(0).max(65535),
  host: z.string().min(1),
  dataDir: z.string().min(1),
  mongodbUri: z.string().min(1).nullable(),
  mongoDbName: z.string().min(1).nullable(),
  mongoSlowCommandMs: z.number().int().min(0),
  // A short HS256 key is guessable offline from any token; insist on some length.
  jwtSecret: z.string().min(16, 'JWT_SECRET must be at least 16 characters').nullable(),
  redisUrl: z.string().min(1).nullable(),
  clusterStoreKey: z.string().min(1),
  sendRateLimit: z.number().int().min(0),
  sendRateWindowMs: z.number().int().positive(),
  searchRateLimit: z.number().int().min(0),
  logLevel: z.enum(LOG_LEVELS),
  accessTokenTtlSeconds: z.number().int().positive(),
  refreshTokenTtlSeconds: z.number().int().positive(),
  scryptLogN: z.number().int().min(10).max(20),
  passwordHashConcurrency: z.number().int().min(1).max(64),
  passwordHashQueue: z.number().int().min(0),
  loginLimitPerIp: z.number().int().min(0),
  loginLimitPerUser: z.number().int().min(0),
  registerLimitPerIp: z.number().int().min(0),
  authLimitWindowMs: z.number().int().positive(),
  socketEventLimit: z.number().int().min(0),
  userEventLimit: z.number().int().min(0),
  maxSocketsPerUser: z.number().int().min(1),
  handshakeLimitPerUser: z.number().int().min(0),
  handshakeLimitPerIp: z.number().int().min(0),
  handshakeWindowMs: z.number().int().positive(),
  socketBufferMaxBytes: z.number().int().min(1024),
  trustProxy: z.boolean(),
  nodeHeartbeatMs: z.number().int().min(100),
  nodeTtlMs: z.number().int().min(200),
  nodeSweepMs: z.number().int().min(100),
  presenceRedisTimeoutMs: z.number().int().min(10).max(10_000),
  clientDistDir: z.string().min(1),
  maxSendBatch: z.number().int().min(1).max(10_000),
  sendBatchMax: z.number().int().min(1).max(SEND_BATCH.maxItems),
  attachmentMaxBytes: z.number().int().min(1),
  attachmentUploadsPerUser: z.number().int().min(1),
  attachmentImageConcurrency: z.number().int().min(1).max(64),
  attachmentImageMaxPixels: z.number().int().min(1),
  attachmentSweepMs: z.number().int().min(100),
  attachmentOrphanTtlMs: z.number().int().min(1000),
  ...pushConfigShape,
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
  const vapid = vapidPairIssue(result.data);
  if (vapid) throw new ConfigError(vapid);
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

function envBool(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const raw = envString(env[name])?.toLowerCase();
  if (raw === undefined) return undefined;
  if (['1', 'true', 'yes'].includes(raw)) return true;
  if (['0', 'false', 'no'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
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
    mongoSlowCommandMs: envInt(env, 'MONGO_SLOW_COMMAND_MS'),
    jwtSecret: envString(env.JWT_SECRET) ?? null,
    redisUrl: envString(env.REDIS_URL) ?? null,
    clusterStoreKey: envString(env.CLUSTER_STORE_KEY),
    sendRateLimit: envInt(env, 'SEND_RATE_LIMIT'),
    sendBatchMax: envInt(env, 'SEND_BATCH_MAX'),
    searchRateLimit: envInt(env, 'SEARCH_RATE_LIMIT'),
    accessTokenTtlSeconds: envInt(env, 'ACCESS_TOKEN_TTL'),
    refreshTokenTtlSeconds: envInt(env, 'REFRESH_TOKEN_TTL'),
    scryptLogN: envInt(env, 'SCRYPT_LOG_N'),
    passwordHashConcurrency: envInt(env, 'PASSWORD_HASH_CONCURRENCY'),
    passwordHashQueue: envInt(env, 'PASSWORD_HASH_QUEUE'),
    loginLimitPerIp: envInt(env, 'LOGIN_LIMIT_IP'),
    loginLimitPerUser: envInt(env, 'LOGIN_LIMIT_USER'),
    registerLimitPerIp: envInt(env, 'REGISTER_LIMIT_IP'),
    socketEventLimit: envInt(env, 'SOCKET_EVENT_LIMIT'),
    userEventLimit: envInt(env, 'USER_EVENT_LIMIT'),
    maxSocketsPerUser: envInt(env, 'MAX_SOCKETS_PER_USER'),
    handshakeLimitPerUser: envInt(env, 'HANDSHAKE_LIMIT_USER'),
    handshakeLimitPerIp: envInt(env, 'HANDSHAKE_LIMIT_IP'),
    socketBufferMaxBytes: envInt(env, 'SOCKET_BUFFER_MAX_BYTES'),
    trustProxy: envBool(env, 'TRUST_PROXY'),
    nodeHeartbeatMs: envInt(env, 'NODE_HEARTBEAT_MS'),
    nodeTtlMs: envInt(env, 'NODE_TTL_MS'),
    nodeSweepMs: envInt(env, 'NODE_SWEEP_MS'),
    presenceRedisTimeoutMs: envInt(env, 'PRESENCE_REDIS_TIMEOUT_MS'),
    attachmentMaxBytes: envInt(env, 'ATTACHMENT_MAX_BYTES'),
    attachmentUploadsPerUser: envInt(env, 'ATTACHMENT_UPLOADS_PER_USER'),
    attachmentImageConcurrency: envInt(env, 'ATTACHMENT_IMAGE_CONCURRENCY'),
    attachmentImageMaxPixels: envInt(env, 'ATTACHMENT_IMAGE_MAX_PIXELS'),
    attachmentSweepMs: envInt(env, 'ATTACHMENT_SWEEP_MS'),
    attachmentOrphanTtlMs: envInt(env, 'ATTACHMENT_ORPHAN_TTL_MS'),
    logLevel: logLevel as LogLevel | undefined,
    ...pushConfigFromEnv({ string: (name) => envString(env[name]), int: (name) => envInt(env, name) }),
  });
}
