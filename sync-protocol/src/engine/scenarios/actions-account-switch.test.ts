/**
 * Message actions and replies queued at an account switch (docs/sync-protocol.md, "Message actions";
 * chaos finding A2, tests/chaos seeds 3, 4, 5 and the 2-node seed 2): the switch parks the entry and
 * clears the live tables, the target's row with them. After the owner's next sign-in the drainer may
 * run before the catch-up brings that row back: the entry must still reach its target.
 */
import { IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { PigeonError } from '../../errors.ts';
import { networkError, waitFor, type ServerCall } from '../../testing/index.ts';
import type { SyncEngine } from '../api.ts';
import { LocalDb, type OutboxEntry } from '../local/local-db.ts';
import { memoryFixture, PASSWORD, type Device } from './fixture.ts';

const drained = (engine: SyncEngine) => waitFor(() => engine.getState().outboxSize === 0, { describe: () => engine.getState() });

describe('actions and replies parked at an account switch', () => {
  const env = memoryFixture();

  /** Calls matching `refuse` fail on the network (the entry stays queued, retried) until `stop()`. */
  const lose = (refuse: (call: ServerCall) => boolean) => {
    let on = true;
    const remove = env.server.intercept(async (call, next) => {
      if (on && refuse(call)) throw networkError('lost');
      return next();
    });
    return () => {
      on = false;
      remove();
    };
  };

  /** A signs out, C takes a turn (parking A's outbox), C signs out; `meanwhile` runs while C is signed in. */
  const switchAway = async (device: Device, meanwhile: () => Promise<void> = async () => {}) => {
    const nameC = env.uniqueName('carl');
    env.server.addUser(nameC);
    await device.engine.signOut();
    await device.engine.signIn(nameC, PASSWORD);
    await meanwhile();
    await device.engine.signOut();
  };

  /** A's parked action entries, rewritten by `change` (as an engine before the fix parked them). */
  const rewriteParked = async (device: Device, owner: string, change: (row: OutboxEntry) => void) => {
    const db = new LocalDb(device.dbName, { indexedDB: device.factory, IDBKeyRange });
    await db.parked.where('owner').equals(owner).modify((p) => {
      if (p.kind === 'outbox' && (p.row as OutboxEntry).action) change(p.row as OutboxEntry);
    });
    db.close();
  };

  /**
   * A pair whose device sent `body` (acked) and reacted `emoji` to it, the reaction still queued (its
   * calls lost until `restore()`): what a switch then parks.
   */
  const reactionQueued = async (body: string, emoji: string) => {
    const pair = await env.pair();
    const restore = lose((call) => call.op === 'react');
    const m = await pair.alice.engine.send(pair.b.id, body);
    await pair.alice.engine.react(m.key, emoji);
    // The message is acked; its reaction is not (and named its target by row key when queued).
    await waitFor(async () => env.server.history(pair.conversationId).length === 1 && pair.alice.engine.getState().outboxSize === 1);
    return { ...pair, device: pair.alice, m, restore };
  };

  it('a reaction queued on a pending message, still queued at the switch, is sent before the catch-up brings the row back', async () => {
    const { device, a, conversationId, m, restore } = await reactionQueued('react to me', '👍');

    await switchAway(device);
    restore();
    const sync = env.server.hold((call) => call.op === 'sync' && call.userId === a.id);
    await device.engine.signIn(a.username, PASSWORD);
    // Still no catch-up: the row is not back, the reaction goes by the id resolved when parking.
    await waitFor(() => (env.server.history(conversationId)[0]?.reactions ?? []).length > 0, { timeoutMs: 3_000, describe: () => env.server.history(conversationId) });
    expect(env.server.history(conversationId)[0]).toMatchObject({ reactions: [{ userId: a.id, emoji: '👍' }], version: 1 });
    sync.release();
    await drained(device.engine);
    await waitFor(async () => (await device.engine.queries.message(m.key))?.version === 1);
    expect(await device.engine.queries.message(m.key)).toMatchObject({ reactions: [{ userId: a.id, emoji: '👍' }] });
    expect((await device.engine.queries.message(m.key))?.pendingActions).toBeUndefined();
  });

  it('a reply to a pending message, still queued at the switch, keeps its quote', async () => {
    const { alice: device, a, conversationId } = await env.pair();
    const restore = lose((call) => call.op === 'sendMessage' && call.input.body === 'the reply');
    const original = await device.engine.sendToConversation(conversationId, 'the original');
    await device.engine.sendToConversation(conversationId, 'the reply', { replyTo: original.key });
    await waitFor(async () => env.server.history(conversationId).length === 1 && device.engine.getState().outboxSize === 1);

    await switchAway(device);
    restore();
    const sync = env.server.hold((call) => call.op === 'sync' && call.userId === a.id);
    await device.engine.signIn(a.username, PASSWORD);
    await waitFor(() => env.server.history(conversationId).length === 2, { timeoutMs: 3_000 });
    const [sent, reply] = env.server.history(conversationId);
    expect(reply).toMatchObject({ body: 'the reply', replyTo: { id: sent!.id, senderId: a.id } });
    sync.release();
    await drained(device.engine);
  });

  it('an edit of a message still unsent at the switch is sent after it, naming it by its new id', async () => {
    const { alice: device, a, b, conversationId } = await env.pair();
    device.engine.setNetworkEnabled(false);
    const m = await device.engine.send(b.id, 'typo');
    await device.engine.editMessage(m.key, 'fixed');
    await switchAway(device, async () => device.engine.setNetworkEnabled(true));
    const log: string[] = [];
    const stop = env.server.intercept(async (call, next) => {
      if (call.op === 'sendMessage') log.push(`send ${call.input.body}`);
      if (call.op === 'editMessage') log.push(`edit ${(call.input as { messageId: string }).messageId}`);
      return next();
    });
    await device.engine.signIn(a.username, PASSWORD);
    await waitFor(() => env.server.history(conversationId)[0]?.version === 1, { describe: () => log });
    stop();
    const [sent] = env.server.history(conversationId);
    expect(log).toEqual(['send typo', `edit ${sent!.id}`]);
    expect(sent).toMatchObject({ body: 'fixed', version: 1 });
  });

  // Entries parked by an engine before targets were resolved at parking: the id is unknown and the
  // row is gone until the catch-up. The drainer waits for it instead of dropping the action.
  it('an entry parked without its target id waits for the catch-up to bring the row, however long it takes, then is sent', async () => {
    const { device, a, conversationId, restore } = await reactionQueued('react to me later', '🎉');
    await switchAway(device, () => rewriteParked(device, a.id, (e) => (e.action = { ...e.action!, targetId: null })));
    restore();

    const reacts: string[] = [];
    const stop = env.server.intercept(async (call, next) => {
      if (call.op === 'react') reacts.push((call.input as { messageId: string }).messageId);
      return next();
    });
    const sync = env.server.hold((call) => call.op === 'sync' && call.userId === a.id);
    await device.engine.signIn(a.username, PASSWORD);
    await sync.reached;
    // The catch-up outlasts every target wait there is (TARGET_WAITS backoffs: at most ~1.8 s with
    // the fixture's 20–400 ms), as a big one on a slow link does: the action still waits for it.
    await new Promise((r) => setTimeout(r, 2_200));
    expect(reacts).toEqual([]);
    expect(device.engine.getState().outboxSize).toBe(1);
    sync.release();
    await drained(device.engine);
    stop();
    expect(reacts).toEqual([env.server.history(conversationId)[0]!.id]);
    expect(env.server.history(conversationId)[0]).toMatchObject({ reactions: [{ userId: a.id, emoji: '🎉' }] });
  });

  it('an action refused before the catch-up brings its target back shows the refusal on the row once it is back', async () => {
    // Chaos seed 7016: a delete parked at a switch, refused after the next sign-in (its user had left
    // the group meanwhile) before the catch-up stored the row: the refusal was shown nowhere.
    const { device, a, conversationId, m, restore } = await reactionQueued('not for you', '🙈');
    await switchAway(device);
    restore();

    const refuse = env.server.intercept(async (call, next) => {
      if (call.op === 'react') throw new PigeonError('FORBIDDEN', 'not a member of this conversation');
      return next();
    });
    const sync = env.server.hold((call) => call.op === 'sync' && call.userId === a.id);
    await device.engine.signIn(a.username, PASSWORD);
    await drained(device.engine);
    expect(await device.engine.queries.message(m.key)).toBeUndefined(); // not back yet
    sync.release();
    await waitFor(async () => (await device.engine.queries.message(m.key)) !== undefined);
    refuse();
    const back = await device.engine.queries.message(m.key);
    expect(back).toMatchObject({ actionError: { kind: 'react', code: 'FORBIDDEN' } });
    expect(back?.reactions ?? []).toEqual([]);
    // Shown once: the next copy of the message does not bring it back after the reader dismissed it.
    await device.engine.dismissActionError(m.key);
    await device.engine.syncNow();
    expect((await device.engine.queries.message(m.key))?.actionError).toBeUndefined();
  });

  it('an action whose target never comes back is dropped with an error event, never silently', async () => {
    const { device, a, restore } = await reactionQueued('gone', '👀');
    await switchAway(device, () =>
      rewriteParked(device, a.id, (e) => {
        e.action = { ...e.action!, targetId: null };
        e.targetKey = `${a.id}:no-such-message`;
      }),
    );
    restore();

    const errors: { where: string; error: unknown }[] = [];
    const off = device.engine.on('error', (e) => errors.push(e));
    await device.engine.signIn(a.username, PASSWORD);
    await waitFor(() => errors.length > 0, { timeoutMs: 5_000 });
    await drained(device.engine);
    off();
    expect(errors.map((e) => [e.where, (e.error as { code?: string }).code])).toEqual([['drainer.target', 'NOT_FOUND']]);
  });
});
