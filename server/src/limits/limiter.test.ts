import { createServer, type AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { isPigeonError } from '@pigeon/sync-protocol';
import { AuthLimits } from './auth-limits.ts';
import { createLimiterFactory } from './limiter.ts';
import { retryAfterSeconds } from './rate-limited.ts';
import { RedisBreaker } from './redis-breaker.ts';

const silent = pino({ level: 'silent' });

describe('limiters (rate-limiter-flexible)', () => {
  it('in memory: `points` per window, then refused with the time left; check does not count; reward and reset give points back', async () => {
    const limiter = createLimiterFactory(null, silent)({ name: 'unit', points: 2, windowMs: 5_000 });
    expect(await limiter.consume('k')).toEqual({ allowed: true });
    expect(await limiter.check('k')).toEqual({ allowed: true });
    expect(await limiter.consume('k')).toEqual({ allowed: true });
    const refused = await limiter.consume('k');
    expect(refused.allowed).toBe(false);
    if (!refused.allowed) expect(refused.retryAfterMs).toBeGreaterThan(4_000);
    expect((await limiter.check('k')).allowed).toBe(false);
    expect((await limiter.consume('other')).allowed).toBe(true);

    await limiter.reset('k');
    expect(await limiter.consume('k')).toEqual({ allowed: true });
    await limiter.reward('k');
    expect(await limiter.consume('k')).toEqual({ allowed: true });
    expect(await limiter.consume('k')).toEqual({ allowed: true });
    expect((await limiter.consume('k')).allowed).toBe(false);
  });

  it('0 points means no limit', async () => {
    const limiter = createLimiterFactory(null, silent)({ name: 'off', points: 0, windowMs: 1_000 });
    for (let i = 0; i < 100; i++) expect((await limiter.consume('k')).allowed).toBe(true);
  });

  it('Redis unreachable: the in-memory insurance limiter answers (same limit), nothing throws', async () => {
    // Nothing listens on port 1; no offline queue, so every command fails at once, as in an outage.
    const redis = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => null });
    redis.on('error', () => {});
    try {
      const limiter = createLimiterFactory(redis, silent)({ name: 'insured', points: 2, windowMs: 5_000 });
      expect((await limiter.consume('k')).allowed).toBe(true);
      expect((await limiter.consume('k')).allowed).toBe(true);
      expect((await limiter.consume('k')).allowed).toBe(false);
      await limiter.reset('k');
      expect((await limiter.consume('k')).allowed).toBe(true);
    } finally {
      redis.disconnect();
    }
  });

  it('Redis hanging (connected, never answering): one command waits for its timeout, then the limiters stop sending any', async () => {
    // A TCP server that reads and never replies: a partition or a stopped redis-server looks like this.
    const received: Buffer[] = [];
    const hung = createServer((socket) => socket.on('data', (chunk: Buffer) => received.push(chunk)));
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const { port } = hung.address() as AddressInfo;
    const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, enableOfflineQueue: false, enableReadyCheck: false, commandTimeout: 100, maxRetriesPerRequest: 1 });
    redis.on('error', () => {});
    try {
      await redis.connect();
      const factory = createLimiterFactory(redis, silent, new RedisBreaker(60_000));
      const sends = factory({ name: 'hung-a', points: 2, windowMs: 5_000 });
      const events = factory({ name: 'hung-b', points: 1, windowMs: 5_000 });
      expect((await sends.consume('k')).allowed).toBe(true);
      const bytesSent = Buffer.concat(received).length;
      expect(bytesSent).toBeGreaterThan(0);
      // The same limits, from memory, without another command on the wire (any limiter of this connection).
      expect((await sends.consume('k')).allowed).toBe(true);
      expect((await sends.consume('k')).allowed).toBe(false);
      expect((await events.consume('k')).allowed).toBe(true);
      expect((await events.consume('k')).allowed).toBe(false);
      await sends.reset('k');
      await new Promise((r) => setTimeout(r, 50));
      expect(Buffer.concat(received).length).toBe(bytesSent);
    } finally {
      redis.disconnect();
      hung.close();
    }
  });
});

describe('AuthLimits', () => {
  const limits = () =>
    new AuthLimits(createLimiterFactory(null, silent), { loginLimitPerIp: 3, loginLimitPerUser: 2, registerLimitPerIp: 1, authLimitWindowMs: 60_000 });
  const code = (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (isPigeonError(e) ? e.code : String(e)));

  it('a username is refused after its attempts, whatever the address; a success starts it over', async () => {
    const l = limits();
    expect(await code(l.beforeLogin('a1', 'alice'))).toBe('ok');
    expect(await code(l.beforeLogin('a2', 'alice'))).toBe('ok');
    const refused = await l.beforeLogin('a3', 'alice').catch((e: unknown) => e);
    expect(isPigeonError(refused) && retryAfterSeconds(refused)).toBe(60);
    await l.loginSucceeded('a3', 'alice');
    expect(await code(l.beforeLogin('a3', 'alice'))).toBe('ok');
  });

  it('an address is refused after its attempts; successes and unchecked attempts give theirs back', async () => {
    const l = limits();
    await l.beforeLogin('ip', 'u1');
    await l.loginSucceeded('ip', 'u1');
    await l.beforeLogin('ip', 'u2');
    await l.notAttempted('ip', 'u2');
    for (const u of ['u3', 'u4', 'u5']) expect(await code(l.beforeLogin('ip', u))).toBe('ok');
    expect(await code(l.beforeLogin('ip', 'u6'))).toBe('RATE_LIMITED');
    expect(await code(l.beforeRegister('ip'))).toBe('ok');
    expect(await code(l.beforeRegister('ip'))).toBe('RATE_LIMITED');
  });
});
