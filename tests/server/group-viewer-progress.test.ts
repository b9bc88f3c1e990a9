import { describe, expect, it } from 'vitest';
import { createGroup, groupHistory, registerMany, sendToGroup } from './group-helpers.ts';
import { STORE_VARIANTS, syncAll, trackSockets, useTestServer } from './helpers.ts';

/**
 * A member reading back other members' group messages gets at least their own progress, while the
 * sender keeps the aggregate (finding G1 in docs/reliability.md: a device whose data was cleared
 * stored them lower than it had shown them).
 */
describe.each(STORE_VARIANTS)("group copies carry the reader's own progress on $kind", (variant) => {
  const t = useTestServer(variant);
  const sockets = trackSockets();

  it("b's sync and history show a's messages read up to b's read position and delivered up to its delivered one; a's show the aggregate", async () => {
    const [a, b, c] = await registerMany(t.url, 3);
    const id = (await createGroup(t.url, a.token, [b.id, c.id])).body.conversation.id;
    const sent = [];
    for (const body of ['one', 'two', 'three']) sent.push((await sendToGroup(t.url, a.token, id, body)).body.message);
    const bS = await sockets.open(t.url, b.token);
    expect(await bS.timeout(5000).emitWithAck('message-received', { messageIds: sent.map((m) => m.id) })).toEqual({ ok: true });
    expect(await bS.timeout(5000).emitWithAck('message-read', { conversationId: id, upToSeq: sent[1]!.seq })).toEqual({ ok: true });

    const statuses = (list: { id: string; status: string }[]) => sent.map((m) => list.find((x) => x.id === m.id)?.status);
    // c has done nothing: the aggregate is still sent.
    expect(statuses((await syncAll(t.url, a.token)).messages)).toEqual(['sent', 'sent', 'sent']);
    expect(statuses((await syncAll(t.url, b.token)).messages)).toEqual(['read', 'read', 'delivered']);
    expect(statuses(await groupHistory(t.url, b.token, id))).toEqual(['read', 'read', 'delivered']);
    expect(statuses((await syncAll(t.url, c.token)).messages)).toEqual(['sent', 'sent', 'sent']);
  });
});
