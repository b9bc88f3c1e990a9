import { describe, expect, it } from 'vitest';
import { serverHistory, useServer, waitFor } from './helpers.ts';

/** Close the engine (a reload, a crash of the tab) with a non-empty outbox and start a new one on the same storage. */
describe('engine restart with a non-empty outbox', () => {
  /**
   * A barrier in the server's group commit: after `admit` more stored sends, every batch
   * waits in `beforeCommit` until `release()`. The drain is then interrupted at a known
   * point, with a send in flight, instead of wherever a 2 ms poll happened to notice it.
   */
  let gate: { admit: number; opened: Promise<void> } | null = null;
  function holdCommitsAfter(admit: number): { release(): void } {
    let release!: () => void;
    gate = { admit, opened: new Promise<void>((r) => (release = r)) };
    return {
      release() {
        gate = null;
        release();
      },
    };
  }
  const env = useServer({
    testHooks: {
      async beforeCommit(batch) {
        const g = gate;
        if (!g) return;
        if (g.admit > 0) g.admit -= batch.length;
        else await g.opened;
      },
    },
  });

  it('loses nothing and doubles nothing, whether it closed offline or mid-drain', async () => {
    const { alice, bob, a, b, conversationId } = await env.pair();

    // 1. Typed offline, then the tab closes.
    alice.engine.setNetworkEnabled(false);
    const typed = [];
    for (let i = 0; i < 30; i++) typed.push(await alice.engine.send(b.id, `offline ${i}`));
    await alice.engine.close();

    // 2. Reload: the token and the outbox are still there; the new engine starts draining, and
    //    is closed again while it is in the middle of it (15 stored, the 16th in flight).
    const midDrain = holdCommitsAfter(15);
    const second = env.track(alice.reopen());
    expect((await second.resume())?.id).toBe(a.id);
    for (let i = 0; i < 30; i++) typed.push(await second.send(b.id, `online ${i}`));
    await waitFor(() => second.getState().outboxSize > 0 && second.getState().outboxSize < 50);
    await second.close();
    midDrain.release(); // the send in flight is stored now; its ack finds the socket closed

    // 3. Third life: finishes the job.
    const third = env.track(alice.reopen());
    expect((await third.resume())?.id).toBe(a.id);
    await waitFor(async () => (await third.queries.outbox()).length === 0 && third.getState().outboxSize === 0, { describe: () => third.getState() });

    const stored = await serverHistory(env.t.server, conversationId);
    expect(stored.map((m) => m.body)).toEqual(typed.map((m) => m.body));
    expect(stored.map((m) => m.clientId)).toEqual(typed.map((m) => m.clientId));
    const local = await third.queries.messages(conversationId, 100);
    expect(local.map((m) => m.key)).toEqual(typed.map((m) => m.key));
    expect(local.map((m) => m.id)).toEqual(stored.map((m) => m.id));
    expect(local.every((m) => m.seq !== null)).toBe(true);
    await waitFor(async () => (await bob.engine.queries.messages(conversationId, 100)).length === 60);
    expect((await bob.engine.queries.messages(conversationId, 100)).map((m) => m.id)).toEqual(stored.map((m) => m.id));
  });

  it('a server crash in the middle of a drain: everything arrives once, in order, after the restart', async () => {
    const { alice, bob, b, conversationId } = await env.pair();
    await waitFor(() => alice.engine.getState().connection === 'online');
    // The server stores 5 sends and holds the 6th in its commit when it crashes.
    const inFlight = holdCommitsAfter(5);
    const typed = [];
    for (let i = 0; i < 150; i++) typed.push(await alice.engine.send(b.id, `crash ${i}`));
    const storedAtCrash = await waitFor(async () => {
      const n = (await serverHistory(env.t.server, conversationId)).length;
      return n >= 5 && n;
    });
    // kill(): queued sends are dropped unacked, connections cut, then the commit that was running
    // (released here) finishes before the store closes.
    const restarted = env.t.restart();
    inFlight.release();
    await restarted;
    expect(storedAtCrash).toBeLessThan(typed.length); // the crash did interrupt the drain
    await waitFor(async () => (await alice.engine.queries.outbox()).length === 0, { describe: () => alice.engine.getState() });

    const stored = await serverHistory(env.t.server, conversationId);
    expect(stored.map((m) => m.clientId)).toEqual(typed.map((m) => m.clientId));
    expect((await alice.engine.queries.messages(conversationId, 500)).map((m) => m.id)).toEqual(stored.map((m) => m.id));
    await waitFor(async () => (await bob.engine.queries.messages(conversationId, 500)).length === 150);
    expect((await bob.engine.queries.messages(conversationId, 500)).map((m) => m.id)).toEqual(stored.map((m) => m.id));
  });
});
