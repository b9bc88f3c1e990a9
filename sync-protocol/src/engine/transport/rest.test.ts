import { describe, expect, it } from 'vitest';
import { PigeonError } from '../../errors.ts';
import { RestClient } from './rest.ts';
import { isNetworkError } from './transport.ts';

function clientAnswering(response: () => Response) {
  let signedOut = 0;
  const client = new RestClient({
    baseUrl: 'http://pigeon.test',
    fetch: async () => response(),
    getToken: () => 'token',
    onUnauthenticated: () => signedOut++,
  });
  return { client, signedOut: () => signedOut };
}

async function failure(p: Promise<unknown>): Promise<PigeonError> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(PigeonError);
  return e as PigeonError;
}

describe('REST client errors', () => {
  it('treats a 200 whose body was cut mid-stream as a retryable network error', async () => {
    const { client } = clientAnswering(() => new Response('{"messages":[{"id":"m1","cli', { status: 200 }));
    const e = await failure(client.sync('', 10));
    expect(e.code).toBe('UNAVAILABLE');
    expect(isNetworkError(e)).toBe(true);
  });

  it('reports a well-formed body of the wrong shape as INTERNAL, not as a network error', async () => {
    const { client } = clientAnswering(() => Response.json({ nope: true }));
    const e = await failure(client.sync('', 10));
    expect(e.code).toBe('INTERNAL');
    expect(isNetworkError(e)).toBe(false);
  });

  it('takes the code from the error body and signs out on 401', async () => {
    const { client, signedOut } = clientAnswering(() =>
      Response.json({ error: { code: 'UNAUTHENTICATED', message: 'token expired' } }, { status: 401 }),
    );
    const e = await failure(client.me());
    expect(e.code).toBe('UNAUTHENTICATED');
    expect(signedOut()).toBe(1);
  });

  it('maps a bare status without an error body', async () => {
    const { client } = clientAnswering(() => new Response('busy', { status: 429 }));
    expect((await failure(client.conversations())).code).toBe('RATE_LIMITED');
    // Outside the contract's table (a proxy's 502): INTERNAL, which the drainer retries.
    const proxy = clientAnswering(() => new Response('bad gateway', { status: 502 }));
    expect((await failure(proxy.client.conversations())).code).toBe('INTERNAL');
  });
});
