import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningServer } from '../../server/src/index.ts';
import { http, noteMongoSkip, register, roundTrip, STORE_VARIANTS, useTestServer, waitFor } from './helpers.ts';

const redisUrl = inject('redisUrl');

const sessionIdOf = (refreshToken: string) => refreshToken.slice(0, refreshToken.indexOf('.'));

/** Revocation on one node must end the session on every node: its sockets and its access token. */
describe.skipIf(!redisUrl).each(STORE_VARIANTS)('session revocation across two nodes on $kind', (variant) => {
  const t = useTestServer(variant, { redisUrl });
  let nodeA: RunningServer;
  let nodeB: RunningServer;
  beforeAll(async () => {
    nodeA = t.server;
    nodeB = await t.startPeer();
  });

  it('logout on node A disconnects the session’s socket on node B, and node B refuses its token', async () => {
    const u = await register(nodeA.url);
    const login = await http(nodeB.url, '/api/auth/login', { json: { username: u.user.username, password: u.password } });
    const socketOnB = await t.open(u.token, nodeB);
    const otherOnB = await t.open(login.body.token, nodeB);
    // Node B has the session cached as live: only the revocation message can change its mind.
    expect((await http(nodeB.url, '/api/users/me', { token: u.token })).status).toBe(200);

    expect((await http(nodeA.url, '/api/auth/logout', { method: 'POST', token: u.token })).status).toBe(204);
    await waitFor('the socket on node B is disconnected', () => !socketOnB.connected);
    // Node B heard of the revocation before it was told to disconnect (one Redis channel, in order).
    expect((await http(nodeB.url, '/api/users/me', { token: u.token })).status).toBe(401);
    await roundTrip(otherOnB);
    expect(otherOnB.connected).toBe(true);
  });

  it('DELETE /api/sessions/:id on node B ends a socket on node A', async () => {
    const u = await register(nodeA.url);
    const phone = await http(nodeA.url, '/api/auth/login', { json: { username: u.user.username, password: u.password } });
    const phoneOnA = await t.open(phone.body.token, nodeA);
    expect((await http(nodeA.url, '/api/users/me', { token: phone.body.token })).status).toBe(200);
    const res = await http(nodeB.url, `/api/sessions/${sessionIdOf(phone.body.refreshToken)}`, { method: 'DELETE', token: u.token });
    expect(res.status).toBe(204);
    await waitFor('the phone’s socket on node A is disconnected', () => !phoneOnA.connected);
    expect((await http(nodeA.url, '/api/users/me', { token: phone.body.token })).status).toBe(401);
  });
});

if (!redisUrl) {
  describe('session revocation across two nodes', () => {
    it.skip('skipped: no Redis (the global setup provided redisUrl = null)', () => {});
  });
}

noteMongoSkip('session revocation across nodes');
