import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import { PigeonError } from '../../errors.ts';
import type { Message, SendMessageInput } from '../../model/message.ts';
import { chooseRoute, classifySendError, Drainer } from './drainer.ts';
import { LocalDb } from '../local/local-db.ts';
import { commitSend } from './outbox.ts';
import { applyServerCopies } from '../down/store-server-changes.ts';

const route = { socketFailuresBeforeRest: 3, restFallbackAfterMs: 1_000 };

describe('chooseRoute', () => {
  it('uses the socket while it is up and has not failed this entry too often', () => {
    expect(chooseRoute({ socketConnected: true, socketDownForMs: 0, socketFailures: 2 }, route)).toEqual({ via: 'socket' });
    expect(chooseRoute({ socketConnected: true, socketDownForMs: 0, socketFailures: 3 }, route)).toEqual({ via: 'rest' });
  });

  it('waits briefly for a reconnecting socket, then falls back to REST', () => {
    expect(chooseRoute({ socketConnected: false, socketDownForMs: 300, socketFailures: 0 }, route)).toEqual({ via: 'wait', ms: 700 });
    expect(chooseRoute({ socketConnected: false, socketDownForMs: 1_000, socketFailures: 0 }, route)).toEqual({ via: 'rest' });
  });
});

describe('classifySendError', () => {
  it('permanent codes fail the message, UNAUTHENTICATED signs out, everything else is retried', () => {
    for (const code of ['VALIDATION', 'FORBIDDEN', 'NOT_FOUND', 'PAYLOAD_TOO_LARGE'] as const) expect(classifySendError(new PigeonError(code, ''))).toBe('permanent');
    expect(classifySendError(new PigeonError('UNAUTHENTICATED', ''))).toBe('unauthenticated');
    for (const code of ['RATE_LIMITED', 'INTERNAL', 'UNAVAILABLE'] as const) expect(classifySendError(new PigeonError(code, ''))).toBe('transient');
    expect(classifySendError(new Error('socket has been disconnected'))).toBe('transient');
    expect(classifySendError('weird')).toBe('transient');
  });
});

describe('Drainer with fake transports', () => {
  let db: LocalDb;
  afterEach(() => db?.close());

  /** A fake server: assigns seq per conversation, dedupes by (sender, clientId), scripted failures. */
  function fakeServer(me: string) {
    const stored = new Map<string, Message>();
    const seqs = new Map<string, number>();
    const log: string[] = [];
    const failures: Record<string, (PigeonError | Error)[]> = {};
    const send = async (via: string, input: SendMessageInput): Promise<Message> => {
      log.push(`${via}:${input.body}`);
      const f = failures[input.body]?.shift();
      if (f) throw f;
      const key = `${me}:${input.clientId}`;
      const existing = stored.get(key);
      if (existing) return existing;
      const conversationId = [me, input.to].sort().join('|');
      const seq = (seqs.get(conversationId) ?? 0) + 1;
      seqs.set(conversationId, seq);
      const m: Message = { id: `id-${stored.size + 1}`, clientId: input.clientId, conversationId, senderId: me, recipientId: input.to, body: input.body, seq, createdAt: new Date().toISOString(), status: 'sent' };
      stored.set(key, m);
      return m;
    };
    return { stored, log, failures, send };
  }

  it('sends each conversation in order, retries transient failures, fails permanent ones, and falls back to REST', async () => {
    db = new LocalDb('drain', { indexedDB: new IDBFactory(), IDBKeyRange });
    const server = fakeServer('me');
    server.failures['a2'] = [new PigeonError('RATE_LIMITED', ''), new PigeonError('UNAVAILABLE', 'socket: socket has been disconnected', { socket: true })];
    server.failures['a3'] = [new PigeonError('NOT_FOUND', 'no such user')];
    server.failures['b1'] = [new PigeonError('UNAVAILABLE', 'timeout'), new PigeonError('UNAVAILABLE', 'timeout'), new PigeonError('UNAVAILABLE', 'timeout')];
    for (const [to, body] of [['ann', 'a1'], ['bob', 'b1'], ['ann', 'a2'], ['ann', 'a3'], ['bob', 'b2'], ['ann', 'a4']] as const) await commitSend(db, 'me', to, body);

    const errors: string[] = [];
    const drainer = new Drainer({
      db,
      me: () => 'me',
      canDrain: () => true,
      socketConnected: () => true,
      socketDownForMs: () => 0,
      send: (input, via) => server.send(via, input),
      commit: async (_entry, message) => void (await applyServerCopies(db, [message], 'me')),
      unauthenticated: () => {
        throw new Error('unexpected');
      },
      onError: (where, e) => errors.push(`${where}: ${e}`),
      backoff: { baseMs: 1, maxMs: 5 },
      route,
    });
    drainer.kick();
    const deadline = Date.now() + 10_000;
    while ((await db.outbox.count()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await drainer.idle();

    expect(errors).toEqual([]);
    expect(await db.outbox.count()).toBe(0);
    const bodies = (conversation: string) => [...server.stored.values()].filter((m) => m.conversationId === conversation).sort((x, y) => x.seq - y.seq).map((m) => m.body);
    expect(bodies('ann|me')).toEqual(['a1', 'a2', 'a4']);
    expect(bodies('bob|me')).toEqual(['b1', 'b2']);
    // b1 failed three times on the socket, so its fourth attempt went over REST.
    expect(server.log.filter((l) => l.endsWith(':b1'))).toEqual(['socket:b1', 'socket:b1', 'socket:b1', 'rest:b1']);
    const a3 = await db.messages.filter((m) => m.body === 'a3').first();
    expect(a3).toMatchObject({ status: 'failed', error: { code: 'NOT_FOUND' } });
    expect((await db.messages.toArray()).filter((m) => m.status === 'sent')).toHaveLength(5);
  });
});
