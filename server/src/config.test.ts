import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_CONFIG, loadConfig, resolveConfig } from './config.ts';

describe('loadConfig', () => {
  it('uses the contract defaults for an empty environment', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 3000, host: '127.0.0.1', dataDir: './data', mongodbUri: null, jwtSecret: null, redisUrl: null, sendRateLimit: 100, logLevel: 'info' });
  });

  it('maps every public variable', () => {
    const c = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      DATA_DIR: '/var/pigeon',
      MONGODB_URI: 'mongodb://db/pigeon',
      JWT_SECRET: 's'.repeat(32),
      REDIS_URL: 'redis://r:6379',
      SEND_RATE_LIMIT: '0',
      LOG_LEVEL: 'DEBUG',
    });
    expect(c).toMatchObject({ port: 8080, host: '0.0.0.0', dataDir: '/var/pigeon', mongodbUri: 'mongodb://db/pigeon', redisUrl: 'redis://r:6379', sendRateLimit: 0, logLevel: 'debug' });
  });

  it('maps the abuse limits (issue #13)', () => {
    const c = loadConfig({
      SCRYPT_LOG_N: '16',
      PASSWORD_HASH_CONCURRENCY: '1',
      PASSWORD_HASH_QUEUE: '8',
      LOGIN_LIMIT_IP: '50',
      LOGIN_LIMIT_USER: '5',
      REGISTER_LIMIT_IP: '3',
      SOCKET_EVENT_LIMIT: '100',
      USER_EVENT_LIMIT: '300',
      MAX_SOCKETS_PER_USER: '5',
      HANDSHAKE_LIMIT_USER: '20',
      HANDSHAKE_LIMIT_IP: '0',
      SOCKET_BUFFER_MAX_BYTES: '65536',
      TRUST_PROXY: 'true',
      SEARCH_RATE_LIMIT: '12',
    });
    expect(c).toMatchObject({
      searchRateLimit: 12,
      scryptLogN: 16,
      passwordHashConcurrency: 1,
      passwordHashQueue: 8,
      loginLimitPerIp: 50,
      loginLimitPerUser: 5,
      registerLimitPerIp: 3,
      socketEventLimit: 100,
      userEventLimit: 300,
      maxSocketsPerUser: 5,
      handshakeLimitPerUser: 20,
      handshakeLimitPerIp: 0,
      socketBufferMaxBytes: 65536,
      trustProxy: true,
    });
    expect(loadConfig({})).toMatchObject({ scryptLogN: 17, handshakeLimitPerUser: 60, handshakeLimitPerIp: 300, handshakeWindowMs: 60_000 });
  });

  it('maps the attachment limits (issue #17), with their defaults', () => {
    expect(loadConfig({})).toMatchObject({
      attachmentMaxBytes: 16 * 1024 * 1024,
      attachmentUploadsPerUser: 4,
      attachmentImageConcurrency: 2,
      attachmentImageMaxPixels: 50_000_000,
      attachmentSweepMs: 3_600_000,
      attachmentOrphanTtlMs: 86_400_000,
    });
    const c = loadConfig({
      ATTACHMENT_MAX_BYTES: '1048576',
      ATTACHMENT_UPLOADS_PER_USER: '2',
      ATTACHMENT_IMAGE_CONCURRENCY: '1',
      ATTACHMENT_IMAGE_MAX_PIXELS: '1000000',
      ATTACHMENT_SWEEP_MS: '60000',
      ATTACHMENT_ORPHAN_TTL_MS: '3600000',
    });
    expect(c).toMatchObject({
      attachmentMaxBytes: 1_048_576,
      attachmentUploadsPerUser: 2,
      attachmentImageConcurrency: 1,
      attachmentImageMaxPixels: 1_000_000,
      attachmentSweepMs: 60_000,
      attachmentOrphanTtlMs: 3_600_000,
    });
    expect(() => loadConfig({ ATTACHMENT_MAX_BYTES: '0' })).toThrow(/attachmentMaxBytes/);
    expect(() => loadConfig({ ATTACHMENT_UPLOADS_PER_USER: 'x' })).toThrow(/ATTACHMENT_UPLOADS_PER_USER/);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ MONGODB_URI: '', REDIS_URL: '  ', PORT: '' })).toMatchObject({ mongodbUri: null, redisUrl: null, port: 3000 });
  });

  it('refuses bad values with a message naming the variable', () => {
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(/PORT/);
    expect(() => loadConfig({ PORT: '70000' })).toThrow(ConfigError);
    expect(() => loadConfig({ SEND_RATE_LIMIT: '-1' })).toThrow(/SEND_RATE_LIMIT/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(() => loadConfig({ JWT_SECRET: 'short' })).toThrow(/JWT_SECRET/);
  });
});

describe('resolveConfig', () => {
  it('ignores undefined overrides and unknown keys', () => {
    const c = resolveConfig({ port: undefined, host: 'localhost', ...({ bogus: 1 } as object) });
    expect(c.port).toBe(DEFAULT_CONFIG.port);
    expect(c.host).toBe('localhost');
    expect('bogus' in c).toBe(false);
  });
});

describe('push settings (issue #18)', () => {
  const pub = Buffer.alloc(65, 4).toString('base64url');
  const priv = Buffer.alloc(32, 7).toString('base64url');

  it('defaults: generated VAPID keys, the public push services, a bounded queue', () => {
    expect(loadConfig({})).toMatchObject({
      vapidPublicKey: null,
      vapidPrivateKey: null,
      vapidSubject: 'mailto:admin@localhost',
      pushAllowedHosts: ['fcm.googleapis.com', 'updates.push.services.mozilla.com', '*.push.apple.com', '*.notify.windows.com'],
      pushQueueMax: 10_000,
      pushConcurrency: 4,
      pushTtlSeconds: 86_400,
      pushMaxAttempts: 4,
      pushRetryBaseMs: 1_000,
      pushRetryMaxMs: 300_000,
      pushTimeoutMs: 10_000,
      pushCaFile: null,
    });
  });

  it('maps every push variable', () => {
    expect(
      loadConfig({
        VAPID_PUBLIC_KEY: pub,
        VAPID_PRIVATE_KEY: priv,
        VAPID_SUBJECT: 'https://pigeon.example',
        PUSH_ALLOWED_HOSTS: ' 127.0.0.1:8443, *.push.example ',
        PUSH_QUEUE_MAX: '5',
        PUSH_CONCURRENCY: '2',
        PUSH_TTL_S: '60',
        PUSH_MAX_ATTEMPTS: '3',
        PUSH_RETRY_BASE_MS: '10',
        PUSH_RETRY_MAX_MS: '1000',
        PUSH_TIMEOUT_MS: '500',
        PUSH_CA_FILE: '/etc/ca.pem',
      }),
    ).toMatchObject({
      vapidPublicKey: pub,
      vapidPrivateKey: priv,
      vapidSubject: 'https://pigeon.example',
      pushAllowedHosts: ['127.0.0.1:8443', '*.push.example'],
      pushQueueMax: 5,
      pushConcurrency: 2,
      pushTtlSeconds: 60,
      pushMaxAttempts: 3,
      pushRetryBaseMs: 10,
      pushRetryMaxMs: 1000,
      pushTimeoutMs: 500,
      pushCaFile: '/etc/ca.pem',
    });
  });

  it('one VAPID key without the other is a clear error', () => {
    expect(() => loadConfig({ VAPID_PUBLIC_KEY: pub })).toThrow(/VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY must be set together/);
    expect(() => loadConfig({ VAPID_PRIVATE_KEY: priv })).toThrow(ConfigError);
  });

  it('refuses malformed keys, subjects, host lists and limits', () => {
    for (const env of [
      { VAPID_PUBLIC_KEY: 'abc', VAPID_PRIVATE_KEY: priv },
      { VAPID_PUBLIC_KEY: pub, VAPID_PRIVATE_KEY: pub },
      { VAPID_SUBJECT: 'admin@localhost' },
      { VAPID_SUBJECT: 'http://pigeon.example' },
      { PUSH_ALLOWED_HOSTS: 'https://fcm.googleapis.com' },
      { PUSH_ALLOWED_HOSTS: '*.com' },
      { PUSH_ALLOWED_HOSTS: ' , ' },
      { PUSH_CONCURRENCY: '0' },
      { PUSH_QUEUE_MAX: '0' },
      { PUSH_MAX_ATTEMPTS: '0' },
      { PUSH_TTL_S: '-1' },
    ]) {
      expect(() => loadConfig(env), JSON.stringify(env)).toThrow(ConfigError);
    }
  });
});
