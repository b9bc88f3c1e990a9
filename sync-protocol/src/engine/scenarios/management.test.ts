import { describe, expect, it } from 'vitest';
import { PigeonError } from '../../errors.ts';
import { fail, networkError, waitFor, type Interceptor } from '../../testing/index.ts';
import type { EngineEvents, SyncEngine } from '../api.ts';
import { isNetworkError } from '../transport/transport.ts';
import { memoryFixture, PASSWORD } from './fixture.ts';

const LAPTOP = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const PHONE = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';

const signedOut = (engine: SyncEngine) => {
  const events: EngineEvents['signed-out'][] = [];
  engine.on('signed-out', (e) => events.push(e));
  return events;
};

/** Counts the sends the server saw, per user; `refuse` fails them as a flaky network would. */
function sendProbe() {
  const probe = {
    refuse: false,
    sends: new Map<string, number>(),
    intercept: (async (call, next) => {
      if (call.op !== 'sendMessage') return next();
      if (probe.refuse) throw networkError('flaky');
      probe.sends.set(call.userId ?? '', (probe.sends.get(call.userId ?? '') ?? 0) + 1);
      return next();
    }) as Interceptor,
  };
  return probe;
}

describe('sessions: one user, two devices', () => {
  const env = memoryFixture();

  it('revoking the other device signs it out with reason revoked and keeps its outbox; the revoker stays signed in', async () => {
    const phoneSends = sendProbe();
    const laptop = env.device({ transport: env.server.transport({ userAgent: LAPTOP }) });
    const phone = env.device({ transport: env.server.transport({ userAgent: PHONE, intercept: phoneSends.intercept }) });
    const bob = env.device();
    const name = env.uniqueName('ada');
    const a = await laptop.engine.signUp(name, PASSWORD);
    await phone.engine.signIn(name, PASSWORD);
    const b = await bob.engine.signUp(env.uniqueName('bob'), PASSWORD);
    await waitFor(() => phone.engine.getState().connection === 'online');

    // The phone's send keeps failing on the network: it stays in the outbox.
    phoneSends.refuse = true;
    const queued = await phone.engine.send(b.id, 'typed on the phone');
    const events = signedOut(phone.engine);

    const sessions = await laptop.engine.listSessions();
    expect(sessions.map((s) => [s.userAgent, s.current])).toEqual(expect.arrayContaining([[LAPTOP, true], [PHONE, false]]));
    expect(sessions).toHaveLength(2);
    const other = sessions.find((s) => !s.current)!;
    await laptop.engine.revokeSession(other.id);

    await waitFor(() => events.length > 0, { describe: () => phone.engine.getState() });
    expect(events).toEqual([{ reason: 'revoked' }]);
    expect((await phone.engine.queries.outbox()).map((m) => m.clientId)).toEqual([queued.clientId]);
    // The revoker is untouched, and revoking an ended session again is not an error.
    expect(laptop.engine.getState().userId).toBe(a.id);
    expect((await laptop.engine.listSessions()).map((s) => s.current)).toEqual([true]);
    await expect(laptop.engine.revokeSession(other.id)).resolves.toBeUndefined();

    // Signed in again, the phone sends what it kept, once.
    phoneSends.refuse = false;
    await phone.engine.signIn(name, PASSWORD);
    await waitFor(async () => (await bob.engine.queries.messages(queued.conversationId)).length === 1);
    expect(env.server.history(queued.conversationId).map((m) => m.clientId)).toEqual([queued.clientId]);
  });
});

describe('blocking', () => {
  const env = memoryFixture();

  /** Alice and Bob, online and sharing a conversation (so each sees the other's presence). */
  async function contacts() {
    const pair = await env.pair();
    const { alice, bob, a, b, conversationId } = pair;
    await bob.engine.send(a.id, 'hi');
    await waitFor(async () => (await alice.engine.queries.messages(conversationId)).length === 1);
    // Asked until Alice sees Bob online: an ask can fail under load (its ack timed out), and no
    // user-online will come (Bob connected before they shared a conversation).
    await waitFor(async () => {
      await alice.engine.refreshPresence(b.id);
      return (await alice.engine.queries.user(b.id))?.online === true;
    });
    return pair;
  }

  it('a send either way fails with FORBIDDEN and is not retried; the blocker sees the peer offline; unblocking restores both', async () => {
    const probe = sendProbe();
    env.server.intercept(probe.intercept);
    const { alice, bob, a, b, conversationId } = await contacts();
    const presence: EngineEvents['presence'][] = [];
    alice.engine.on('presence', (e) => presence.push(e));

    await alice.engine.blockUser(b.id);
    expect(await alice.engine.queries.blocked()).toEqual([b.id]);
    expect((await alice.engine.queries.user(b.id))?.online).toBe(false);
    expect(presence).toContainEqual({ userId: b.id, online: false, lastSeen: null });
    expect((await alice.engine.blockedUsers()).map((u) => u.id)).toEqual([b.id]);
    // The server told Bob that Alice went offline.
    await waitFor(async () => (await bob.engine.queries.user(a.id))?.online === false, { describe: async () => ({ step: 'Bob sees Alice offline', alice: await bob.engine.queries.user(a.id) }) });

    const sendsBefore = probe.sends.get(b.id) ?? 0;
    const refused = await bob.engine.send(a.id, 'are you there?');
    const failed = await waitFor(async () => (await bob.engine.queries.messages(conversationId)).find((m) => m.key === refused.key && m.status === 'failed'));
    expect(failed?.error?.code).toBe('FORBIDDEN');
    // Not retried: tried once, and its outbox entry is gone (the drainer sends nothing else).
    expect(probe.sends.get(b.id)).toBe(sendsBefore + 1);
    expect(await bob.engine.queries.outbox()).toEqual([expect.objectContaining({ key: refused.key, status: 'failed' })]);
    expect(bob.engine.getState().outboxSize).toBe(0);
    const fromBlocker = await alice.engine.send(b.id, 'and this way?');
    await waitFor(async () => (await alice.engine.queries.messages(conversationId)).find((m) => m.key === fromBlocker.key)?.error?.code === 'FORBIDDEN');

    await alice.engine.unblockUser(b.id);
    expect(await alice.engine.queries.blocked()).toEqual([]);
    // Asked for again.
    await waitFor(async () => (await alice.engine.queries.user(b.id))?.online === true, { describe: async () => ({ step: 'Alice sees Bob online after unblocking', bob: await alice.engine.queries.user(b.id), state: alice.engine.getState() }) });
    await bob.engine.retry(refused.key);
    await waitFor(async () => (await alice.engine.queries.messages(conversationId)).some((m) => m.key === refused.key));
    expect(env.server.history(conversationId).map((m) => m.body)).toEqual(['hi', 'are you there?']);
  });

  it("an unblocked peer's presence is asked until answered: again after a lost ack, and at the next connect after a cut one", async () => {
    const { alice, a, b } = await contacts();
    await alice.engine.blockUser(b.id);
    // The first ask times out while the socket stays up; the second one's connection is cut (its answer is lost with it).
    const failures: string[] = [];
    const stop = env.server.intercept(async (call, next) => {
      if (call.op !== 'userStatus' || call.userId !== a.id || failures.length === 2) return next();
      failures.push(failures.length === 0 ? 'timeout' : 'cut');
      if (failures.length === 2) call.dropConnection();
      throw fail('UNAVAILABLE', 'socket: operation has timed out');
    });
    const errors: unknown[] = [];
    alice.engine.on('error', (e) => errors.push(e));

    await alice.engine.unblockUser(b.id);
    // Bob announces nothing (he stays connected): only an answer to Alice's ask shows him online.
    await waitFor(async () => (await alice.engine.queries.user(b.id))?.online === true);
    stop();
    expect(failures).toEqual(['timeout', 'cut']);
    expect(errors).toEqual([]); // a failed ask is the moment's state, not an error
  });

  it('a block made on another device reaches this device on its next connect', async () => {
    const { alice, b } = await contacts();
    const otherDevice = env.device();
    const me = await alice.engine.queries.me();
    await otherDevice.engine.signIn(me!.username, PASSWORD);
    await otherDevice.engine.blockUser(b.id);
    expect(await alice.engine.queries.blocked()).toEqual([]);
    alice.engine.dropConnection();
    await waitFor(async () => (await alice.engine.queries.blocked()).length === 1);
    expect(await alice.engine.queries.blocked()).toEqual([b.id]);
  });

  it('the management calls refuse at once while the network is off, and when signed out', async () => {
    const { alice, b } = await contacts();
    alice.engine.setNetworkEnabled(false);
    for (const call of [() => alice.engine.listSessions(), () => alice.engine.blockUser(b.id), () => alice.engine.blockedUsers(), () => alice.engine.revokeSession('x')]) {
      const e = await call().then(() => null, (err: unknown) => err);
      expect(e).toBeInstanceOf(PigeonError);
      expect((e as PigeonError).code).toBe('UNAVAILABLE');
      expect(isNetworkError(e)).toBe(true);
    }
    expect(env.server.blocked(b.id, (await alice.engine.queries.me())!.id)).toBe(false);
    alice.engine.setNetworkEnabled(true);
    await expect(alice.engine.blockUser((await alice.engine.queries.me())!.id)).rejects.toMatchObject({ code: 'VALIDATION' });
    await alice.engine.signOut();
    await expect(alice.engine.unblockUser(b.id)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});
