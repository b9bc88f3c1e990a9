import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Checked } from './allowed-hosts.ts';
import { PushDispatcher, type DispatcherTimers, type PushJob } from './dispatcher.ts';

const log = pino({ level: 'silent' });
const job = (n: number, host = 'push.example'): PushJob => ({ endpoint: `https://${host}/${n}`, keys: { p256dh: 'k', auth: 'a' }, payload: `{"n":${n}}`, urgency: 'high', topic: 't' });
const allowOnly = (host: string) => (endpoint: string): Checked<string> => (new URL(endpoint).host === host ? { ok: true, value: endpoint } : { ok: false, reason: 'no' });
const tick = () => new Promise((r) => setTimeout(r, 0));

/** Timers a test fires by hand. */
function manualTimers() {
  const pending = new Map<number, { fn: () => void; ms: number }>();
  let next = 0;
  const timers: DispatcherTimers = {
    setTimeout: (fn, ms) => {
      pending.set(++next, { fn, ms });
      return next;
    },
    clearTimeout: (h) => pending.delete(h as number),
  };
  return { timers, pending, fireAll: () => [...pending.entries()].forEach(([k, t]) => (pending.delete(k), t.fn())) };
}

/** A sender whose requests the test answers one by one. */
function controlledSender() {
  const calls: { job: PushJob; url: string; resolve: () => void; reject: (e: unknown) => void }[] = [];
  const send = (j: PushJob, url: string) => new Promise<void>((resolve, reject) => calls.push({ job: j, url, resolve, reject }));
  return { send, calls };
}

const base = { queueMax: 100, concurrency: 2, retry: { maxAttempts: 3, baseMs: 100, maxMs: 10_000 }, log, checkEndpoint: allowOnly('push.example'), random: () => 0 };

describe('PushDispatcher', () => {
  it('keeps at most `concurrency` requests in flight, in order', async () => {
    const s = controlledSender();
    const d = new PushDispatcher({ ...base, send: s.send, dropEndpoint: async () => {} });
    for (let n = 1; n <= 5; n++) d.enqueue(job(n));
    await tick();
    expect(s.calls.map((c) => c.url)).toEqual(['https://push.example/1', 'https://push.example/2']);
    s.calls[0]!.resolve();
    await tick();
    expect(s.calls).toHaveLength(3);
    for (const c of s.calls.slice(1)) c.resolve();
    await tick();
    s.calls.slice(3).forEach((c) => c.resolve());
    await tick();
    expect(s.calls.map((c) => c.job.payload)).toEqual([1, 2, 3, 4, 5].map((n) => `{"n":${n}}`));
    expect(d.stats).toMatchObject({ sent: 5, queued: 0, inFlight: 0 });
  });

  it('a full queue drops its oldest push', async () => {
    const s = controlledSender();
    const d = new PushDispatcher({ ...base, queueMax: 2, concurrency: 1, send: s.send, dropEndpoint: async () => {} });
    for (let n = 1; n <= 4; n++) d.enqueue(job(n));
    await tick();
    // 1 is in flight; 2 was dropped for 4.
    s.calls[0]!.resolve();
    await tick();
    s.calls[1]!.resolve();
    await tick();
    expect(s.calls.map((c) => c.job.endpoint)).toEqual(['https://push.example/1', 'https://push.example/3', 'https://push.example/4']);
    expect(d.stats.overflowed).toBe(1);
  });

  it('retries a 500 after the backoff and a 429 after Retry-After; gives up after maxAttempts', async () => {
    const s = controlledSender();
    const t = manualTimers();
    const d = new PushDispatcher({ ...base, timers: t.timers, send: s.send, dropEndpoint: async () => {} });
    d.enqueue(job(1));
    await tick();
    s.calls[0]!.reject({ statusCode: 429, headers: { 'retry-after': '2' } });
    await tick();
    expect([...t.pending.values()].map((p) => p.ms)).toEqual([2000]);
    t.fireAll();
    await tick();
    s.calls[1]!.reject({ statusCode: 503, headers: {} });
    await tick();
    expect([...t.pending.values()].map((p) => p.ms)).toEqual([100]); // attempt 2: 200 ms, half of it with random() = 0
    t.fireAll();
    await tick();
    s.calls[2]!.reject(new Error('ECONNRESET'));
    await tick();
    expect(s.calls).toHaveLength(3);
    expect(t.pending.size).toBe(0);
    expect(d.stats).toMatchObject({ sent: 0, failed: 1 });
  });

  it('404/410 forget the endpoint, once, without retrying', async () => {
    const s = controlledSender();
    const dropped: string[] = [];
    const t = manualTimers();
    const d = new PushDispatcher({ ...base, timers: t.timers, send: s.send, dropEndpoint: async (e) => void dropped.push(e) });
    d.enqueue(job(1));
    await tick();
    s.calls[0]!.reject({ statusCode: 410, headers: {} });
    await tick();
    expect(dropped).toEqual(['https://push.example/1']);
    expect(t.pending.size).toBe(0);
    expect(d.stats.endpointsDropped).toBe(1);
  });

  it('an endpoint no longer allowed is never called', async () => {
    const s = controlledSender();
    const d = new PushDispatcher({ ...base, send: s.send, dropEndpoint: async () => {} });
    d.enqueue(job(1, 'evil.example'));
    await tick();
    expect(s.calls).toHaveLength(0);
    expect(d.stats.failed).toBe(1);
  });

  it('close() cancels retries and queued pushes; later enqueues are ignored', async () => {
    const s = controlledSender();
    const t = manualTimers();
    const d = new PushDispatcher({ ...base, concurrency: 1, timers: t.timers, send: s.send, dropEndpoint: async () => {} });
    d.enqueue(job(1));
    d.enqueue(job(2));
    await tick();
    s.calls[0]!.reject({ statusCode: 500, headers: {} });
    await tick();
    expect(t.pending.size).toBe(1);
    const closing = d.close();
    expect(t.pending.size).toBe(0);
    s.calls[1]?.resolve();
    await closing;
    d.enqueue(job(3));
    await tick();
    expect(s.calls.length).toBeLessThanOrEqual(2);
    expect(d.stats).toMatchObject({ queued: 0, waitingRetry: 0, inFlight: 0 });
  });
});
