import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { expect, it } from 'vitest';
import { createSyncEngine } from '@pigeon/sync-protocol/engine';
import { createMemoryServer, fail, waitFor } from '@pigeon/sync-protocol/testing';

it('a send the server refuses for a while is retried and stored once', async () => {
  const server = createMemoryServer();
  const device = (dbName: string) =>
    createSyncEngine({ serverUrl: '', transport: server.transport(), indexedDB: new IDBFactory(), IDBKeyRange, dbName, locks: null, retryBaseMs: 20 });
  const [alice, bob] = [device('alice'), device('bob')];
  await alice.signUp('alice', 'password-123');
  const b = await bob.signUp('bob', 'password-123');

  let refusals = 2;
  server.intercept(async (call, next) => {
    if (call.op === 'sendMessage' && refusals-- > 0) throw fail('RATE_LIMITED', 'slow down');
    return next();
  });
  const sent = await alice.send(b.id, 'hello');
  await waitFor(async () => (await bob.queries.messages(sent.conversationId)).length === 1);

  expect(server.history(sent.conversationId).map((m) => m.clientId)).toEqual([sent.clientId]);
  expect(await alice.queries.outbox()).toEqual([]);
  await Promise.all([alice.close(), bob.close()]);
});
