/**
 * Groups and the people in them: names of members and senders a device never met 1:1 (looked up
 * by id, local/user-lookup.ts), and "make admin" (queued like every group change).
 */
import { describe, expect, it } from 'vitest';
import { networkError, waitFor } from '../../testing/index.ts';
import type { SyncEngine } from '../api.ts';
import { memoryFixture, PASSWORD, type Device } from './fixture.ts';

describe('the people of a group', () => {
  const env = memoryFixture();

  async function people(n: number) {
    const devices: Device[] = [];
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const d = env.device();
      devices.push(d);
      ids.push((await d.engine.signUp(env.uniqueName(`person${i}-`), PASSWORD, `Person ${ids.length}`)).id);
    }
    return { devices, ids };
  }

  async function created(creator: SyncEngine, title: string, memberIds: string[]): Promise<string> {
    const group = await creator.createGroup(title, memberIds);
    return (await waitFor(async () => {
      const view = await creator.queries.conversation(group.id);
      return view && !view.conversation.local && (await creator.queries.outbox()).length === 0 ? view.conversation.id : null;
    })) as string;
  }

  const names = async (engine: SyncEngine, ids: string[]) => Promise.all(ids.map(async (id) => (await engine.queries.user(id))?.displayName ?? null));
  const roles = async (engine: SyncEngine, id: string) =>
    (await engine.queries.conversation(id))?.conversation.members.map((m) => `${m.userId}:${m.role}`).sort();
  const serverRoles = (id: string) => env.server.groups.state(id).members.map((m) => `${m.userId}:${m.role}`).sort();

  it('a member who never talked 1:1 to the others sees every name: members, senders and who a system message names, in one request per set', async () => {
    const { devices: [ann, bob, cat, dan], ids: [a, b, c, d] } = await people(4);
    const lookups: string[][] = [];
    const stop = env.server.intercept(async (call, next) => {
      if (call.op === 'users' && call.userId === c) lookups.push(String((call.input as { ids: string }).ids).split(',').sort());
      return next();
    });
    const id = await created(ann!.engine, 'Names', [b!, c!]);
    await bob!.engine.sendToConversation(id, 'hi from bob');
    await waitFor(async () => (await names(cat!.engine, [a!, b!])).every(Boolean), { describe: () => names(cat!.engine, [a!, b!]) });
    expect(await names(cat!.engine, [a!, b!])).toEqual(['Person 0', 'Person 1']);
    // Ann and Bob came together (the creation names both); nobody was asked for twice.
    expect(lookups.flat().sort()).toEqual([a!, b!].sort());
    // Dan joins later: his device meets everyone at once (the group's snapshot), and cat learns his name too.
    await ann!.engine.addMembers(id, [d!]);
    await waitFor(async () => (await names(dan!.engine, [a!, b!, c!])).every(Boolean), { describe: () => names(dan!.engine, [a!, b!, c!]) });
    await waitFor(async () => (await cat!.engine.queries.user(d!))?.displayName === 'Person 3');
    expect(lookups.flat().filter((x) => x === d)).toHaveLength(1);
    stop();
  });

  it('a lookup that fails (offline) never holds back the messages, and is asked again at the next occasion', async () => {
    const { devices: [ann, bob], ids: [a, b] } = await people(2);
    let down = true;
    let failures = 0;
    const stop = env.server.intercept(async (call, next) => {
      if (call.op === 'users' && call.userId === b && down) {
        failures++;
        throw networkError('offline');
      }
      return next();
    });
    const errors: unknown[] = [];
    bob!.engine.on('error', (e) => errors.push(e));
    const id = await created(ann!.engine, 'Flaky', [b!]);
    await ann!.engine.sendToConversation(id, 'first');
    await waitFor(async () => (await bob!.engine.queries.messages(id)).some((m) => m.body === 'first'));
    await waitFor(() => failures > 0);
    expect(await bob!.engine.queries.user(a!)).toBeUndefined();
    down = false;
    await ann!.engine.sendToConversation(id, 'second');
    await waitFor(async () => (await bob!.engine.queries.user(a!))?.displayName === 'Person 0');
    expect(errors).toEqual([]);
    stop();
  });

  it('make admin, queued offline: shown at once, sent when back online, the same on every device', async () => {
    const { devices: [ann, bob, cat], ids: [a, b, c] } = await people(3);
    const id = await created(ann!.engine, 'Admins', [b!, c!]);
    await waitFor(async () => (await cat!.engine.queries.isWritable(id)) === true);
    ann!.engine.setNetworkEnabled(false);
    const promotion = await ann!.engine.makeAdmin(id, b!);
    expect(promotion).toMatchObject({ status: 'pending', system: { kind: 'member-promoted', actorId: a, userIds: [b] } });
    expect(await roles(ann!.engine, id)).toEqual([`${a}:admin`, `${b}:admin`, `${c}:member`].sort());
    expect(serverRoles(id)).toContain(`${b}:member`);
    ann!.engine.setNetworkEnabled(true);
    await waitFor(() => serverRoles(id).includes(`${b}:admin`));
    for (const device of [ann!, bob!, cat!]) {
      await waitFor(async () => JSON.stringify(await roles(device.engine, id)) === JSON.stringify(serverRoles(id)), { describe: () => roles(device.engine, id) });
    }
    expect(await ann!.engine.queries.outbox()).toEqual([]);
    // Bob, an admin now, renames the group: the server agrees.
    await bob!.engine.renameGroup(id, 'Two admins');
    await waitFor(() => env.server.groups.state(id).title === 'Two admins');
    // Promoting an admin again changes nothing: no system message, the pending row is dropped.
    await ann!.engine.makeAdmin(id, b!);
    await waitFor(async () => (await ann!.engine.queries.outbox()).length === 0);
    expect(env.server.history(id).filter((m) => m.system?.kind === 'member-promoted')).toHaveLength(1);
  });

  it("a non-admin's make admin is refused: failed with its reason, the role shown as before; retried once they are an admin, it applies", async () => {
    const { devices: [ann, bob, cat], ids: [, b, c] } = await people(3);
    const id = await created(ann!.engine, 'Refused', [b!, c!]);
    await waitFor(async () => (await cat!.engine.queries.isWritable(id)) === true);
    const hold = env.server.hold((call) => call.op === 'changeGroup' && call.userId === c);
    const promotion = await cat!.engine.makeAdmin(id, b!);
    expect(await roles(cat!.engine, id)).toContain(`${b}:admin`);
    await hold.reached;
    hold.release();
    await waitFor(async () => (await cat!.engine.queries.outbox())[0]?.status === 'failed');
    expect((await cat!.engine.queries.outbox())[0]).toMatchObject({ key: promotion.key, error: { code: 'FORBIDDEN' } });
    expect(await roles(cat!.engine, id)).toContain(`${b}:member`);
    expect(serverRoles(id)).toContain(`${b}:member`);
    // Ann makes cat an admin; cat's retry then goes through.
    await ann!.engine.makeAdmin(id, c!);
    await waitFor(async () => (await roles(cat!.engine, id))?.includes(`${c}:admin`) ?? false);
    await cat!.engine.retry(promotion.key);
    await waitFor(() => serverRoles(id).includes(`${b}:admin`));
    await waitFor(async () => JSON.stringify(await roles(bob!.engine, id)) === JSON.stringify(serverRoles(id)));
    await waitFor(async () => (await cat!.engine.queries.outbox()).length === 0);
  });
});
