/**
 * The push settings of ServerConfig (config.ts spreads them in): defaults, validation and the
 * environment variables, kept here so config.ts stays a list of the server's other settings.
 */
import { z } from 'zod';
import { DEFAULT_PUSH_ALLOWED_HOSTS, parseAllowedHosts } from './allowed-hosts.ts';

export interface PushConfig {
  /** VAPID key pair, base64url (VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY): both or neither; neither = generated once into DATA_DIR/vapid.json. */
  vapidPublicKey: string | null;
  vapidPrivateKey: string | null;
  /** Who runs this server, for push services to contact (VAPID_SUBJECT): a mailto: or https: URL. */
  vapidSubject: string;
  /** Hosts push endpoints may be on (PUSH_ALLOWED_HOSTS): host, host:port or *.suffix (allowed-hosts.ts). */
  pushAllowedHosts: string[];
  /** Pushes waiting to be sent on one node (PUSH_QUEUE_MAX); past it the oldest is dropped. */
  pushQueueMax: number;
  /** Pushes in flight at once on one node (PUSH_CONCURRENCY). */
  pushConcurrency: number;
  /** How long a push service keeps a push for an offline device, seconds (PUSH_TTL_S). */
  pushTtlSeconds: number;
  /** Tries of one push, the first included (PUSH_MAX_ATTEMPTS); 429, 5xx and network errors are retried. */
  pushMaxAttempts: number;
  /** First retry delay, ms (PUSH_RETRY_BASE_MS); doubles per attempt. */
  pushRetryBaseMs: number;
  /** Longest wait before a retry, ms (PUSH_RETRY_MAX_MS); a longer Retry-After gives the push up. */
  pushRetryMaxMs: number;
  /** One request to a push service, ms (PUSH_TIMEOUT_MS). */
  pushTimeoutMs: number;
  /** Extra CA certificates (PEM file) trusted for push endpoints (PUSH_CA_FILE), besides the system's: a private push service, tests. */
  pushCaFile: string | null;
}

export const DEFAULT_PUSH_CONFIG: PushConfig = {
  vapidPublicKey: null,
  vapidPrivateKey: null,
  vapidSubject: 'mailto:admin@localhost',
  pushAllowedHosts: [...DEFAULT_PUSH_ALLOWED_HOSTS],
  pushQueueMax: 10_000,
  pushConcurrency: 4,
  pushTtlSeconds: 24 * 3600,
  pushMaxAttempts: 4,
  pushRetryBaseMs: 1_000,
  pushRetryMaxMs: 5 * 60_000,
  pushTimeoutMs: 10_000,
  pushCaFile: null,
};

const base64urlBytes = (bytes: number, name: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, `${name} must be base64url without padding`)
    .refine((s) => Buffer.from(s, 'base64url').length === bytes, `${name} must be ${bytes} bytes`);

export const pushConfigShape = {
  vapidPublicKey: base64urlBytes(65, 'VAPID_PUBLIC_KEY').nullable(),
  vapidPrivateKey: base64urlBytes(32, 'VAPID_PRIVATE_KEY').nullable(),
  vapidSubject: z.string().refine((s) => /^(mailto:\S+@\S+|https:\/\/\S+)$/.test(s), 'VAPID_SUBJECT must be a mailto: or https: URL'),
  pushAllowedHosts: z.array(z.string()).superRefine((hosts, ctx) => {
    const parsed = parseAllowedHosts(hosts);
    if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.reason });
  }),
  pushQueueMax: z.number().int().min(1),
  pushConcurrency: z.number().int().min(1).max(256),
  // RFC 8030 TTL; 28 days is what the push services keep at most.
  pushTtlSeconds: z.number().int().min(0).max(28 * 24 * 3600),
  pushMaxAttempts: z.number().int().min(1).max(20),
  pushRetryBaseMs: z.number().int().min(1),
  pushRetryMaxMs: z.number().int().min(1),
  pushTimeoutMs: z.number().int().min(100),
  pushCaFile: z.string().min(1).nullable(),
};

/** Both VAPID keys or neither: one alone cannot sign, and silently generating the other would break every subscription. */
export function vapidPairIssue(c: Pick<PushConfig, 'vapidPublicKey' | 'vapidPrivateKey'>): string | null {
  return (c.vapidPublicKey === null) !== (c.vapidPrivateKey === null) ? 'VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY must be set together (or neither: generated into DATA_DIR)' : null;
}

interface EnvReaders {
  string(name: string): string | undefined;
  int(name: string): number | undefined;
}

/** The push environment variables → overrides (undefined = not given). */
export function pushConfigFromEnv(env: EnvReaders): Partial<PushConfig> {
  const hosts = env.string('PUSH_ALLOWED_HOSTS');
  return {
    vapidPublicKey: env.string('VAPID_PUBLIC_KEY') ?? null,
    vapidPrivateKey: env.string('VAPID_PRIVATE_KEY') ?? null,
    vapidSubject: env.string('VAPID_SUBJECT'),
    pushAllowedHosts: hosts === undefined ? undefined : hosts.split(',').map((h) => h.trim()).filter((h) => h !== ''),
    pushQueueMax: env.int('PUSH_QUEUE_MAX'),
    pushConcurrency: env.int('PUSH_CONCURRENCY'),
    pushTtlSeconds: env.int('PUSH_TTL_S'),
    pushMaxAttempts: env.int('PUSH_MAX_ATTEMPTS'),
    pushRetryBaseMs: env.int('PUSH_RETRY_BASE_MS'),
    pushRetryMaxMs: env.int('PUSH_RETRY_MAX_MS'),
    pushTimeoutMs: env.int('PUSH_TIMEOUT_MS'),
    pushCaFile: env.string('PUSH_CA_FILE') ?? null,
  };
}
