import { describe, expect, it } from 'vitest';
import { rejectionOf } from '../../testing/fail.ts';
import { RestClient } from './rest.ts';
import { isNetworkError } from './transport.ts';

function clientAnswering(response: () => Response) {
  const requests: { url: string; authorization: string | null }[] = [];
  const client = new RestClient({
    baseUrl: 'http://pigeon.test',
    fetch: async (input, init) => {
      requests.push({ url: String(input), authorization: new Headers(init?.headers).get('authorization') });
      return response();
    },
    getToken: () => 'token',
  });
  return { client, requests };
}

describe('REST client errors', () => {
  it('treats a 200 whose body was cut mid-stream as a retryable network error', async () => {
    const { client } = clientAnswering(() => new Response('{"messages":[{"id":"m1","cli', { status: 200 }));
    const e = await rejectionOf(client.sync('', 10));
    expect(e.code).toBe('UNAVAILABLE');
    expect(isNetworkError(e)).toBe(true);
  });

  it('reports a well-formed body of the wrong shape as INTERNAL, not as a network error', async () => {
    const { client } = clientAnswering(() => Response.json({ nope: true }));
    const e = await rejectionOf(client.sync('', 10));
    expect(e.code).toBe('INTERNAL');
    expect(isNetworkError(e)).toBe(false);
  });

  it('takes the code from the error body (a 401 is UNAUTHENTICATED; the engine decides what follows)', async () => {
    const { client } = clientAnswering(() => Response.json({ error: { code: 'UNAUTHENTICATED', message: 'token expired' } }, { status: 401 }));
    const e = await rejectionOf(client.me());
    expect(e.code).toBe('UNAUTHENTICATED');
    expect(e.details).toEqual({ status: 401 });
  });

  it('logs out with the token it is given and reads nothing from a 204', async () => {
    const { client, requests } = clientAnswering(() => new Response(null, { status: 204 }));
    await expect(client.logout('old-access-token')).resolves.toBeUndefined();
    expect(requests).toEqual([{ url: 'http://pigeon.test/api/auth/logout', authorization: 'Bearer old-access-token' }]);
  });

  it('refreshes without a bearer token, and accepts a sign-in without a refresh token (a server without sessions)', async () => {
    const refreshed = clientAnswering(() => Response.json({ token: 'a2', refreshToken: 'r2' }));
    expect(await refreshed.client.refresh('r1')).toEqual({ token: 'a2', refreshToken: 'r2' });
    expect(refreshed.requests[0]?.authorization).toBeNull();
    const user = { id: 'u1', username: 'ada', displayName: 'Ada', online: false, lastSeen: null };
    const old = clientAnswering(() => Response.json({ token: 'a1', user }));
    expect(await old.client.login({ username: 'ada', password: 'password-123' })).toEqual({ token: 'a1', user });
  });

  it('maps a bare status without an error body', async () => {
    const { client } = clientAnswering(() => new Response('busy', { status: 429 }));
    expect((await rejectionOf(client.conversations())).code).toBe('RATE_LIMITED');
    // Outside the contract's table (a proxy's 502): INTERNAL, which the drainer retries.
    const proxy = clientAnswering(() => new Response('bad gateway', { status: 502 }));
    expect((await rejectionOf(proxy.client.conversations())).code).toBe('INTERNAL');
  });

  it('manages sessions and blocks with the method and path of the contract, ids escaped', async () => {
    const calls: string[] = [];
    const client = new RestClient({
      baseUrl: 'http://pigeon.test',
      fetch: async (input, init) => {
        calls.push(`${init?.method} ${String(input).slice('http://pigeon.test'.length)}`);
        if (init?.method !== 'GET') return new Response(null, { status: 204 });
        return Response.json(String(input).endsWith('/blocked') ? { users: [] } : { sessions: [] });
      },
      getToken: () => 'token',
    });
    expect(await client.sessions()).toEqual({ sessions: [] });
    await client.revokeSession('s/1');
    await client.block('u1');
    await client.unblock('u1');
    expect(await client.blocked()).toEqual({ users: [] });
    expect(calls).toEqual(['GET /api/sessions', 'DELETE /api/sessions/s%2F1', 'POST /api/users/u1/block', 'DELETE /api/users/u1/block', 'GET /api/users/blocked']);
  });
});
