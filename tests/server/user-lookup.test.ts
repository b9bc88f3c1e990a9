import { describe, expect, it } from 'vitest';
import type { User } from '@pigeon/sync-protocol';
import { createGroup, registerMany } from './group-helpers.ts';
import { http, trackSockets, useTestServer, waitFor } from './helpers.ts';

/** GET /api/users?ids= (contract extension): naming the members and senders of a group a device never talked to 1:1. */
describe('profiles by id', () => {
  const t = useTestServer({ kind: 'sqlite' });
  const sockets = trackSockets();
  const lookUp = (token: string, ids: string) => http<{ users: User[] }>(t.url, `/api/users?ids=${encodeURIComponent(ids)}`, { token });

  it('answers the known ids with profiles, presence only for fellow members and contacts', async () => {
    const [a, b, stranger] = await registerMany(t.url, 3);
    await sockets.open(t.url, b!.token);
    await sockets.open(t.url, stranger!.token);
    const ids = `${b!.id},${stranger!.id},no-such-user,${b!.id}`;
    // Before any group: neither is a contact, so no presence.
    const before = (await lookUp(a!.token, ids)).body.users;
    expect(before.map((u) => u.id).sort()).toEqual([b!.id, stranger!.id].sort());
    expect(before.every((u) => u.online === false && u.lastSeen === null)).toBe(true);
    expect(before.find((u) => u.id === b!.id)).toMatchObject({ username: b!.user.username, displayName: b!.user.displayName });
    expect(JSON.stringify(before)).not.toContain('passwordHash');

    await createGroup(t.url, a!.token, [b!.id]);
    await waitFor('b shown online to a fellow member', async () => (await lookUp(a!.token, ids)).body.users.find((u) => u.id === b!.id)?.online === true);
    expect((await lookUp(a!.token, ids)).body.users.find((u) => u.id === stranger!.id)?.online).toBe(false);
  });

  it('refuses a lookup without ids or with more than 256', async () => {
    const [a] = await registerMany(t.url, 1);
    expect((await lookUp(a!.token, '')).status).toBe(400);
    expect((await lookUp(a!.token, Array.from({ length: 257 }, (_, i) => `u${i}`).join(','))).status).toBe(400);
    expect((await http(t.url, '/api/users?ids=x')).status).toBe(401);
  });
});
