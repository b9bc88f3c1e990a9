import { directConversationId, type Message } from '@pigeon/sync-protocol';
import type { SyncEngine } from '@pigeon/sync-protocol/engine';
import { describe, expect, it } from 'vitest';
import { createRng } from '../chaos/rng.ts';
import { PASSWORD, serverHistory, uniqueName, useServer, view, waitFor } from './helpers.ts';

const SEED = Number(process.env.PIGEON_SEED ?? 20251125);

/**
 * Two devices of one user and a peer send, read and lose their connections (and acks) at random
 * (seeded: PIGEON_SEED=<n> replays a run). Once everyone is back online and quiet,
 * every device holds exactly the server's conversation: same messages, same order,
 * same statuses, and unread badges that match them.
 */
describe(`convergence under random disconnects (seed ${SEED})`, () => {
  const rng = createRng(SEED);
  // The server also loses acks at random (stores the message, then drops the socket). A stream of
  // its own, so the devices' action sequence for a seed does not depend on server timing.
  const serverRng = rng.derive('server');
  let ackDrops = 0;
  const env = useServer({
    testHooks: {
      afterStoreBeforeAck: () => {
        if (!serverRng.chance(0.08)) return;
        ackDrops++;
        return 'drop';
      },
    },
  });

  it('all devices converge to the server view', async () => {
    const jitter = rng.derive('jitter');
    const random = () => jitter.next();
    const aliceName = uniqueName('alice');
    const a1 = env.device({ random });
    const a2 = env.device({ random });
    const b1 = env.device({ random });
    const alice = await a1.engine.signUp(aliceName, PASSWORD);
    await a2.engine.signIn(aliceName, PASSWORD);
    const bob = await b1.engine.signUp(uniqueName('bob'), PASSWORD);
    const conversationId = directConversationId(alice.id, bob.id);
    const peerOf = new Map<SyncEngine, string>([
      [a1.engine, bob.id],
      [a2.engine, bob.id],
      [b1.engine, alice.id],
    ]);
    const engines = [a1.engine, a2.engine, b1.engine];
    const networkOn = new Map(engines.map((e) => [e, true]));
    let sent = 0;

    for (let step = 0; step < 150; step++) {
      const engine = rng.pick(engines);
      const r = rng.next();
      if (r < 0.55) {
        await engine.send(peerOf.get(engine)!, `step ${step}`);
        sent++;
      } else if (r < 0.7) {
        engine.dropConnection();
      } else if (r < 0.8) {
        const on = !networkOn.get(engine);
        networkOn.set(engine, on);
        engine.setNetworkEnabled(on);
      } else if (r < 0.92) {
        await engine.markRead(conversationId);
      } else {
        // Pacing only (lets drains and reconnects interleave with the next steps); nothing is asserted on time.
        await new Promise((resolve) => setTimeout(resolve, rng.int(0, 60)));
      }
    }
    for (const engine of engines) engine.setNetworkEnabled(true);
    // The reader's last word, so "read" statuses also have to converge.
    await b1.engine.markRead(conversationId);

    let server: Message[] = [];
    const snapshot = async () => Promise.all(engines.map((e) => e.queries.messages(conversationId, 1_000)));
    await waitFor(
      async () => {
        server = await serverHistory(env.t.server, conversationId);
        if (server.length !== sent) return false;
        const expected = JSON.stringify(server.map(view));
        const lists = await snapshot();
        return lists.every((list) => JSON.stringify(list.map(view)) === expected);
      },
      {
        timeoutMs: 40_000,
        describe: async () => ({
          seed: SEED,
          sent,
          ackDrops,
          server: server.length,
          states: engines.map((e) => e.getState()),
          diffs: (await snapshot()).map((list) => list.map(view).filter((m, i) => JSON.stringify(m) !== JSON.stringify(server[i] && view(server[i]))).slice(0, 3)),
        }),
      },
    );

    expect(server).toHaveLength(sent);
    expect(ackDrops).toBeGreaterThan(0); // the run did exercise lost acks
    expect(server.map((m) => m.seq)).toEqual(server.map((_, i) => i + 1));
    for (const engine of engines) {
      expect(await engine.queries.outbox()).toEqual([]);
      // The badge kept by deltas equals a recount of what the device holds.
      const me = engine.getState().userId;
      const unread = server.filter((m) => m.recipientId === me && m.status !== 'read').length;
      const [conv] = await engine.queries.conversations();
      expect(conv?.conversation.unreadCount).toBe(unread);
      expect(conv?.conversation.lastMessage?.id).toBe(server.at(-1)?.id);
    }
  });
});
