import { describe, expect, it } from 'vitest';
import { fail, waitFor } from '../../testing/index.ts';
import { memoryFixture } from './fixture.ts';

/**
 * A receipt whose emit fails while the socket stays up (an ack lost to a stalled
 * connection, found by chaos seed 5) is sent again by itself: no reconnect, no new
 * message and no second markRead are needed for the sender to see its ticks.
 */
describe('receipts owed after a failed emit', () => {
  const env = memoryFixture();

  it('are retried with backoff while connected, until the server has them', async () => {
    const { alice, bob, b, conversationId } = await env.pair();
    await waitFor(() => alice.engine.getState().connection === 'online' && bob.engine.getState().connection === 'online');

    // The first two of each kind of receipt from bob fail as an ack timeout would.
    const refusals = { messageReceived: 2, messageRead: 2 };
    const failed: string[] = [];
    env.server.intercept(async (call, next) => {
      if ((call.op === 'messageReceived' || call.op === 'messageRead') && call.userId === b.id && refusals[call.op]-- > 0) {
        failed.push(call.op);
        throw fail('UNAVAILABLE', 'socket: operation has timed out');
      }
      return next();
    });

    await alice.engine.send(b.id, 'hello');
    await waitFor(async () => (await bob.engine.queries.messages(conversationId)).length === 1);
    await bob.engine.markRead(conversationId);

    const serverStatus = () => env.server.history(conversationId)[0]?.status;
    await waitFor(() => serverStatus() === 'read');
    await waitFor(async () => (await alice.engine.queries.messages(conversationId))[0]?.status === 'read');
    expect(failed.filter((op) => op === 'messageRead')).toEqual(['messageRead', 'messageRead']);
    expect(bob.engine.getState().connection).toBe('online');
  });
});
