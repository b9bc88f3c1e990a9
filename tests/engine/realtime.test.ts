import { directConversationId } from '@pigeon/sync-protocol';
import type { EngineEvents } from '@pigeon/sync-protocol/engine';
import { describe, expect, it } from 'vitest';
import { PASSWORD, uniqueName, useServer, waitFor } from './helpers.ts';

describe('typing, presence, users and conversations', () => {
  const env = useServer({ testHooks: { typingTtlMs: 400 } });

  it('surfaces typing (throttled out, expiring in) and presence; finds users and opens conversations', async () => {
    // The test server forgets typing after 400 ms, so the sender renews more often than that.
    const alice = env.device({ typingRenewMs: 200 });
    const bob = env.device();
    const bobName = uniqueName('bob');
    const a = await alice.engine.signUp(uniqueName('alice'), PASSWORD);
    const b = await bob.engine.signUp(bobName, PASSWORD, 'Bob B.');
    const conversationId = directConversationId(a.id, b.id);

    // Search and open a conversation before any message exists.
    const found = await alice.engine.searchUsers(bobName);
    expect(found.map((u) => u.id)).toContain(b.id);
    expect(await alice.engine.openConversationWith(found.find((u) => u.id === b.id)!)).toBe(conversationId);
    const [view] = await alice.engine.queries.conversations();
    expect(view).toMatchObject({ conversation: { id: conversationId, peerId: b.id, lastMessage: null, unreadCount: 0 }, peer: { id: b.id, displayName: 'Bob B.' } });
    expect((await alice.engine.queries.me())?.id).toBe(a.id);

    await waitFor(() => alice.engine.getState().connection === 'online' && bob.engine.getState().connection === 'online');
    // Typing and presence go only between people who share a conversation (server/src/privacy).
    await alice.engine.send(b.id, 'hello first');
    await waitFor(async () => (await bob.engine.queries.messages(conversationId)).length === 1);
    const typing: EngineEvents['typing'][] = [];
    bob.engine.on('typing', (e) => typing.push(e));
    alice.engine.setTyping(b.id, true);
    alice.engine.setTyping(b.id, true); // throttled: no second emit
    await waitFor(() => typing.length === 1);
    expect(typing[0]).toEqual({ from: a.id, conversationId, typing: true });
    alice.engine.setTyping(b.id, false);
    await waitFor(() => typing.length === 2);
    expect(typing[1]).toMatchObject({ from: a.id, typing: false });

    // A typing state that is never stopped expires by itself.
    alice.engine.setTyping(b.id, true);
    await waitFor(() => typing.length === 4, { timeoutMs: 8_000, describe: () => typing });
    expect(typing.slice(2).map((e) => e.typing)).toEqual([true, false]);

    // Sending stops typing.
    alice.engine.setTyping(b.id, true);
    await waitFor(() => typing.length === 5);
    await alice.engine.send(b.id, 'done typing');
    await waitFor(() => typing.length === 6);
    expect(typing[5]?.typing).toBe(false);

    // Presence: asked for, and pushed when the peer's last socket closes.
    const presence: EngineEvents['presence'][] = [];
    alice.engine.on('presence', (e) => presence.push(e));
    await alice.engine.refreshPresence(b.id);
    expect(presence[0]).toMatchObject({ userId: b.id, online: true });
    expect((await alice.engine.queries.user(b.id))?.online).toBe(true);
    bob.engine.setNetworkEnabled(false);
    await waitFor(() => presence.some((e) => e.userId === b.id && !e.online));
    await waitFor(async () => (await alice.engine.queries.user(b.id))?.online === false);
    expect((await alice.engine.queries.user(b.id))?.lastSeen).not.toBeNull();
  });
});
