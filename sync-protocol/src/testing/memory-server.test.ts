import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { directConversationId } from '../conversation-id.ts';
import type { Transport, TransportEvents } from '../engine/transport/transport.ts';
import { createMemoryServer, type MemoryServer } from './memory-server.ts';

const quiet: TransportEvents = { connect() {}, disconnect() {}, connectError() {}, newMessage() {}, status() {}, typing() {}, presence() {} };

function device(server: MemoryServer, token: string, events: Partial<TransportEvents> = {}): Promise<Transport> {
  const transport = server.transport()({ getToken: () => token, ackTimeoutMs: 1_000 });
  return new Promise((resolve) => transport.open({ ...quiet, ...events, connect: () => resolve(transport) }));
}

describe('in-memory server', () => {
  it('keeps the store rules a device relies on: dedupe by clientId, seq per conversation, a change log with status changes', async () => {
    const server = createMemoryServer();
    const alice = server.addUser('alice');
    const bob = server.addUser('bob');
    const pushed: string[] = [];
    const a = await device(server, alice.token);
    const b = await device(server, bob.token, { newMessage: (m) => pushed.push(m.body) });

    const first = await a.sendMessage({ clientId: 'client-0001', to: bob.user.id, body: ' one ' }, 'socket');
    const again = await a.sendMessage({ clientId: 'client-0001', to: bob.user.id, body: 'one' }, 'rest');
    const second = await a.sendMessage({ clientId: 'client-0002', to: bob.user.id, body: 'two' }, 'rest');
    expect(again).toEqual(first);
    expect([first.seq, second.seq, first.body]).toEqual([1, 2, 'one']);

    const page1 = await a.sync('', 1);
    expect(page1.messages.map((m) => m.body)).toEqual(['one']);
    expect(page1.hasMore).toBe(true);
    await b.messageReceived([first.id]); // a status change moves the message to the end of the log
    const page2 = await a.sync(page1.cursor, 5);
    expect(page2.messages.map((m) => [m.body, m.status])).toEqual([['two', 'sent'], ['one', 'delivered']]);
    expect(page2.hasMore).toBe(false);
    expect((await a.sync(page2.cursor, 2)).messages).toEqual([]);
    expect(pushed).toEqual(['one', 'two']); // announced once each, not for the repeat
    expect(server.history(directConversationId(alice.user.id, bob.user.id))).toHaveLength(2);
    await expect(a.sendMessage({ clientId: 'client-0003', to: 'nobody', body: 'x' }, 'socket')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    a.close();
    b.close();
    server.close();
  });

  it('rotates refresh tokens: once each, the same successor within the reuse window, a revoked session after it', async () => {
    const server = createMemoryServer({ refreshReuseWindowMs: 50 });
    const alice = server.addUser('alice');
    const t = server.transport()({ getToken: () => null, ackTimeoutMs: 1_000 });
    const next = await t.refresh(alice.refreshToken);
    expect(next.token).not.toBe(alice.token);
    expect(await t.refresh(alice.refreshToken)).toEqual(next); // a second tab, racing the first
    expect(server.authenticate(next.token)?.userId).toBe(alice.user.id);
    expect(server.authenticate(alice.token)?.userId).toBe(alice.user.id); // until it expires

    await new Promise((r) => setTimeout(r, 80));
    await expect(t.refresh(alice.refreshToken)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' }); // a replay
    await expect(t.refresh(next.refreshToken)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' }); // the session is over
    expect(server.authenticate(next.token)).toBeNull();
    expect(server.sessions(alice.user.id)).toEqual([]);
    server.close();
  });

  it('a lost refresh answer: the replaced token keeps getting the same successor, past the window, until the successor is used', async () => {
    const server = createMemoryServer({ refreshReuseWindowMs: 50 });
    const alice = server.addUser('alice');
    const t = server.transport()({ getToken: () => null, ackTimeoutMs: 1_000 });
    const lost = await t.refresh(alice.refreshToken);
    await new Promise((r) => setTimeout(r, 80));
    expect(await t.refresh(alice.refreshToken)).toEqual(lost);
    expect(server.authenticate(lost.token)?.userId).toBe(alice.user.id);
    await new Promise((r) => setTimeout(r, 80));
    await expect(t.refresh(alice.refreshToken)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    server.close();
  });

  it('logs out: the session ends and its sockets are closed by the server', async () => {
    const server = createMemoryServer();
    const alice = server.addUser('alice');
    const reasons: string[] = [];
    const a = await device(server, alice.token, { disconnect: (reason) => reasons.push(reason) });
    await a.logout(alice.token);
    expect(server.authenticate(alice.token)).toBeNull();
    await expect(a.refresh(alice.refreshToken)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await new Promise((r) => setTimeout(r, 10));
    expect(reasons).toEqual(['io server disconnect']);
    a.close();
    server.close();
  });

  it('docs/sync-protocol.md shows example.test.ts verbatim', () => {
    const example = readFileSync(new URL('./example.test.ts', import.meta.url), 'utf8');
    const docs = readFileSync(new URL('../../../docs/sync-protocol.md', import.meta.url), 'utf8');
    expect(docs).toContain('```ts\n' + example + '```');
  });
});
