import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejectionOf } from '../../sync-protocol/src/testing/fail.ts';
import { RestClient } from '../../sync-protocol/src/engine/transport/rest.ts';
import { AttachmentClient } from '../../sync-protocol/src/engine/transport/rest-attachments.ts';
import { isNetworkError } from '../../sync-protocol/src/engine/transport/transport.ts';
import sharp from 'sharp';
import { sha256Hex } from '../../sync-protocol/src/engine/up/files.ts';
import { pairWithAwayDevice, serverHistory, useServer, view, waitFor } from './helpers.ts';

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
      // A catch-up page or a file: the status and the first bytes, then nothing.
      if (req.url?.startsWith('/api/sync') || req.url === '/api/attachments/stalls') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"messages":[');
      }
      // A file on a slow link: 8 bytes every 100 ms, 1.2 s in all, longer than the bound on silence.
      if (req.url === '/api/attachments/trickles') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        let sent = 0;
        const next = () => {
          if (sent === 12) return void res.end();
          res.write(Buffer.alloc(8, sent++));
          setTimeout(next, 100);
        };
        next();
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

  it('gives up on a request that gets no answer, as a retryable network error', async () => {
    const e = await rejectionOf(client(300).conversations());
    expect(e.code).toBe('UNAVAILABLE');
    expect(isNetworkError(e)).toBe(true);
    expect(e.message).toContain('no answer in time');
  });

  it('gives up on an answer whose body stops coming', async () => {
    const e = await rejectionOf(client(300).sync('', 10));
    expect(e.code).toBe('UNAVAILABLE');
    expect(isNetworkError(e)).toBe(true);
    expect(e.message).toContain('no answer in time');
  });

  const files = (idleMs: number) => new AttachmentClient({ baseUrl: base, fetch: (input, init) => fetch(input, init), getToken: () => 'token', idleMs });

  it('gives up on a download that goes silent, headers or body, as a retryable network error', async () => {
    for (const id of ['stalls', 'never-answers']) {
      const e = await rejectionOf(files(300).download(id));
      expect(e.code).toBe('UNAVAILABLE');
      expect(isNetworkError(e)).toBe(true);
      expect(e.message).toContain('no answer in time');
    }
  });

  it('lets a download run longer than the bound while its bytes keep coming', async () => {
    const blob = await files(300).download('trickles');
    expect(blob.size).toBe(96);
    expect([...new Uint8Array(await blob.arrayBuffer())].filter((_, i) => i % 8 === 0)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(blob.type).toBe('application/octet-stream');
  });

  it('without a bound, the same request is still waiting (what the bound is for)', async () => {
    const outcome = await Promise.race([client().conversations().then(() => 'answered', () => 'failed'), new Promise((r) => setTimeout(() => r('waiting'), 600))]);
    expect(outcome).toBe('waiting');
  });
});

describe('the engine over a connection that goes silent', () => {
  const env = useServer();

  it('a catch-up page that never comes is abandoned after requestTimeoutMs and asked again: the device ends with every message', async () => {
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
    const { alice, bobAway, b, conversationId } = await pairWithAwayDevice(env, { fetch: silentOnce, requestTimeoutMs: 400 });
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

  it('a photo whose download goes silent fails as a network error, and the next try downloads it', async () => {
    let armed = false;
    let cut = 0;
    // Bob's first download of the photo gets its headers and first bytes, then nothing: the body
    // stays open until the request's signal aborts it, as real fetch's does.
    const silentBody: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!armed || !new URL(String(input)).pathname.startsWith('/api/attachments/')) return response;
      armed = false;
      const reader = response.body!.getReader();
      const first = await reader.read();
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          if (!first.done) controller.enqueue(first.value);
          init?.signal?.addEventListener('abort', () => {
            cut++;
            controller.error(init.signal!.reason);
            reader.cancel().catch(() => {});
          });
        },
      });
      return new Response(body, { status: response.status, headers: response.headers });
    };
    const { alice, bob, b } = await env.pair({ bob: { fetch: silentBody, requestTimeoutMs: 400 } });
    const png = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).png().toBuffer();
    const photo = new Blob([new Uint8Array(png)], { type: 'image/png' });
    const sent = await alice.engine.send(b.id, 'photo', { files: [{ blob: photo, name: 'noise.png' }] });
    const acked = (await waitFor(async () => {
      const m = await alice.engine.queries.message(sent.key);
      return m?.seq ? m : null;
    }))!;
    const attachment = acked.attachments![0]!;
    await waitFor(async () => (await bob.engine.queries.message(acked.key)) ?? null);

    armed = true;
    const e = await rejectionOf(bob.engine.media.blob(attachment));
    expect(e.code).toBe('UNAVAILABLE');
    expect(isNetworkError(e)).toBe(true);
    expect(cut).toBe(1);
    // Nothing half-downloaded was kept, and the download is not stuck: the next one completes.
    expect(await bob.engine.media.has(attachment.id)).toBe(false);
    expect(await sha256Hex(await bob.engine.media.blob(attachment))).toBe(attachment.sha256);
  });
});
