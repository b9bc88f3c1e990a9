import { describe, expect, it } from 'vitest';
import { PigeonError } from '../../errors.ts';
import { AttachmentClient } from './rest-attachments.ts';
import { isNetworkError } from './transport.ts';

const attachment = { id: 'a1', name: 'p.png', mime: 'image/png', size: 10, sha256: 'ab'.repeat(32) };
const query = { clientId: 'client-0001', name: 'p.png', sha256: 'ab'.repeat(32) };

function clientAnswering(response: () => Response | Promise<Response>) {
  const requests: { url: string; method: string; headers: Headers; body: unknown }[] = [];
  const client = new AttachmentClient({
    baseUrl: 'http://pigeon.test',
    fetch: async (input, init) => {
      requests.push({ url: String(input), method: init?.method ?? 'GET', headers: new Headers(init?.headers), body: init?.body });
      return response();
    },
    getToken: () => 'token',
  });
  return { client, requests };
}

const fail = (p: Promise<unknown>) => p.then(() => expect.fail('resolved'), (e: unknown) => e as PigeonError);

describe('AttachmentClient.upload', () => {
  it('sends a chunk with Content-Range, its type and the query, and reads 202 as the offset', async () => {
    const { client, requests } = clientAnswering(() => Response.json({ upload: { offset: 4, size: 10 } }, { status: 202 }));
    const blob = new Blob([new Uint8Array(4)]);
    expect(await client.upload({ query, type: 'image/png', size: 10, chunk: { start: 0, blob } })).toEqual({ done: false, offset: 4 });
    const [r] = requests;
    expect(r!.method).toBe('POST');
    const url = new URL(r!.url);
    expect(url.pathname).toBe('/api/attachments');
    expect(Object.fromEntries(url.searchParams)).toEqual(query);
    expect(r!.headers.get('content-range')).toBe('bytes 0-3/10');
    expect(r!.headers.get('content-type')).toBe('image/png');
    expect(r!.headers.get('authorization')).toBe('Bearer token');
    expect(r!.body).toBe(blob);
  });

  it('asks where an upload stands with bytes */size and no body', async () => {
    const { client, requests } = clientAnswering(() => Response.json({ attachment }, { status: 200 }));
    expect(await client.upload({ query, type: 'image/png', size: 10, chunk: null })).toEqual({ done: true, attachment, created: false });
    expect(requests[0]!.headers.get('content-range')).toBe('bytes */10');
    expect(requests[0]!.body).toBeUndefined();
  });

  it('201 is a new attachment; 409 with { upload } says where to continue', async () => {
    const created = clientAnswering(() => Response.json({ attachment }, { status: 201 }));
    expect(await created.client.upload({ query, type: 'image/png', size: 10, chunk: { start: 4, blob: new Blob([new Uint8Array(6)]) } })).toMatchObject({ done: true, created: true });
    const conflict = clientAnswering(() => Response.json({ error: { code: 'CONFLICT', message: 'offset is 7' }, upload: { offset: 7, size: 10 } }, { status: 409 }));
    expect(await conflict.client.upload({ query, type: 'image/png', size: 10, chunk: { start: 4, blob: new Blob([new Uint8Array(6)]) } })).toEqual({ done: false, offset: 7 });
  });

  it('a refusal carries the server code; a bare status maps to its code; no answer is a network error', async () => {
    const tooLarge = clientAnswering(() => Response.json({ error: { code: 'PAYLOAD_TOO_LARGE', message: 'at most 16 MiB' } }, { status: 413 }));
    expect(await fail(tooLarge.client.upload({ query, type: 'image/png', size: 10, chunk: null }))).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', message: 'at most 16 MiB' });
    const bare = clientAnswering(() => new Response('nope', { status: 415 }));
    expect(await fail(bare.client.upload({ query, type: 'text/html', size: 10, chunk: null }))).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    const down = clientAnswering(() => Promise.reject(new TypeError('fetch failed')));
    expect(isNetworkError(await fail(down.client.upload({ query, type: 'image/png', size: 10, chunk: null })))).toBe(true);
    const odd = clientAnswering(() => Response.json({ hello: 1 }, { status: 201 }));
    expect(await fail(odd.client.upload({ query, type: 'image/png', size: 10, chunk: null }))).toMatchObject({ code: 'INTERNAL' });
  });
});

describe('AttachmentClient.download', () => {
  it('GETs the bytes or the thumbnail with the token', async () => {
    const { client, requests } = clientAnswering(() => new Response(new Uint8Array([1, 2, 3]), { headers: { 'content-type': 'image/png' } }));
    const blob = await client.download('a 1');
    expect([...new Uint8Array(await blob.arrayBuffer())]).toEqual([1, 2, 3]);
    await client.download('a1', { thumbnail: true });
    expect(requests.map((r) => new URL(r.url).pathname)).toEqual(['/api/attachments/a%201', '/api/attachments/a1/thumbnail']);
    expect(requests[0]!.headers.get('authorization')).toBe('Bearer token');
  });

  it('FORBIDDEN from the body; a body cut mid-stream is a network error', async () => {
    const forbidden = clientAnswering(() => Response.json({ error: { code: 'FORBIDDEN', message: 'no' } }, { status: 403 }));
    expect(await fail(forbidden.client.download('a1'))).toMatchObject({ code: 'FORBIDDEN' });
    const cut = clientAnswering(
      () =>
        new Response(
          new ReadableStream({
            start(controller) {
              controller.enqueue(new Uint8Array([1]));
              controller.error(new Error('socket hang up'));
            },
          }),
        ),
    );
    expect(isNetworkError(await fail(cut.client.download('a1')))).toBe(true);
  });
});
