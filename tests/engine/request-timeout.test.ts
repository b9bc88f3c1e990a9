import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { directConversationId } from '@pigeon/sync-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PigeonError } from '../../sync-protocol/src/errors.ts';
import { RestClient } from '../../sync-protocol/src/engine/transport/rest.ts';
import { isNetworkError } from '../../sync-protocol/src/engine/transport/transport.ts';
import { PASSWORD, serverHistory, uniqueName, useServer, view, waitFor } from './helpers.ts';

/**
 * A phone's connection can go silent without closing: the request was sent, nothing comes back,
 * and `fetch` never gives up by itself. The engine's REST requests carry a bound (`requestTimeoutMs`,
 * rest.ts `timeoutMs`) after which they fail as a network error and are retried like one.
 */
describe('REST requests over a connection that goes silent', () => {
  let silent: Server;
  let base = '';
  const held: ServerResponse[] = [];
  beforeAll(async () => {
    silent = createServer((req, res) => {
      held.push(res);
      // /stall-body: the status and the first bytes of a page, then nothing.
      if (req.url?.startsWith('/api/sync')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"messages":[');
      }
      // Anything else: never an answer at all.
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const res of held) res.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  const client = (timeoutMs?: number) =>
    new RestClient({ baseUrl: base, fetch: (input, init) => fetch(input, init), getToken: () => 'token', ...(timeoutMs !== undefined ? { timeoutMs } : {}) });

  async function failure(p: Promise<unknown>): Promise<PigeonError> {
    const e = await p.then(() => null, (err: unknown) => err);
    expect(e).toBeInstanceOf(PigeonError);
    return e as PigeonError;
  }

  it('gives up on a request that gets no answer, as a retryable network error', async () => {
    const e = await failure(client(300).conversations());
    expect(e.code).toBe('UNAVAILABLE');
    expect(isNetworkError(e)).toBe(true);
    expect(e.message).toContain('no answer in time');
  });

  it('gives up on an answer whose body stops coming', async () => {
    const e = await failure(client(300).sync('', 10));
    expect(e.code).toBe('UNAVAILABLE');
    expect(isNetworkError(e)).toBe(true);
    expect(e.message).toContain('no answer in time');
  });

  it('without a bound, the same request is still waiting (what the bound is for)', async () => {
    const outcome = await Promise.race([client().conversations().then(() => 'answered', () => 'failed'), new Promise((r) => setTimeout(() => r('waiting'), 600))]);
    expect(outcome).toBe('waiting');
  });
});

describe('a catch-up page that never comes', () => {
  const env = useServer();

  it('is abandoned after requestTimeoutMs and asked again: the device ends with every message', async () => {
    let stalled = 0;
    let aborted = 0;
    let armed = false;
    // The first catch-up request after coming back goes silent, as over a dead cell link:
    // it settles only if its signal aborts it (which real fetch does).
    const silentOnce: typeof fetch = (input, init) => {
      if (armed && String(input).includes('/api/sync')) {
        armed = false;
        stalled++;
        return new Promise((_, reject) => {
          const signal = init?.signal;
          signal?.addEventListener('abort', () => {
            aborted++;
            reject(signal.reason);
          });
        });
      }
      return fetch(input, init);
    };
    const bobName = uniqueName('bob');
    const alice = env.device();
    const bobOnline = env.device();
    const bobAway = env.device({ fetch: silentOnce, requestTimeoutMs: 400 });
    const a = await alice.engine.signUp(uniqueName('alice'), PASSWORD);
    const b = await bobOnline.engine.signUp(bobName, PASSWORD);
    await bobAway.engine.signIn(bobName, PASSWORD);
    const conversationId = directConversationId(a.id, b.id);
    await waitFor(async () => (await bobAway.engine.getState().lastSyncAt) !== null);
    bobAway.engine.setNetworkEnabled(false);
    for (let i = 0; i < 30; i++) await alice.engine.send(b.id, `while away ${i}`);
    await waitFor(async () => (await serverHistory(env.t.server, conversationId)).length === 30);

    armed = true;
    bobAway.engine.setNetworkEnabled(true);
    await waitFor(
      async () => {
        const server = await serverHistory(env.t.server, conversationId);
        const local = await bobAway.engine.queries.messages(conversationId, 100);
        return local.length === 30 && JSON.stringify(local.map(view)) === JSON.stringify(server.map(view));
      },
      { timeoutMs: 15_000, describe: async () => ({ stalled, aborted, local: (await bobAway.engine.queries.messages(conversationId, 100)).length }) },
    );
    expect(stalled).toBe(1);
    expect(aborted).toBe(1);
  });
});
