import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { directConversationId, PigeonError, type Message } from '@pigeon/sync-protocol';
import { createLimiterFactory } from '../limits/limiter.ts';
import { createSendLimit } from '../limits/send-limit.ts';
import type { ActionOutcome, ActionRequest } from '../store/store.ts';
import { ActionService, type ActionResult } from './action-service.ts';
import type { Fanout } from './fanout.ts';
import { SendBatcher } from './send-batcher.ts';

const dm = directConversationId('ann', 'bob');

const message = (id: string, conversationId: string, senderId: string, extra: Partial<Message> = {}): Message => ({
  id,
  clientId: `client-${id}`,
  conversationId,
  senderId,
  recipientId: conversationId.startsWith('g:') ? conversationId : senderId === 'ann' ? 'bob' : 'ann',
  body: 'hi',
  seq: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  status: 'sent',
  ...extra,
});

/** A store that knows m1 (ann → bob) and g1 (in group g:1), applies everything, and refuses 'gone'. */
function setup({
  limit = 0,
  blocked = {} as Record<string, string[]>,
  now = () => new Date('2026-01-01T00:05:00.000Z'),
  attachments = undefined as { deleteBytesOf(ids: readonly string[]): Promise<void> } | undefined,
} = {}) {
  const photo = { id: 'att-1', name: 'p.png', mime: 'image/png', size: 3, sha256: 'x' };
  const messages = new Map([message('m1', dm, 'ann'), message('g1', 'g:1', 'ann'), message('a1', dm, 'ann', { attachments: [photo] })].map((m) => [m.id, m]));
  const committed: ActionRequest[][] = [];
  const reads: string[] = [];
  const emitted: { to: readonly string[] | string; event: string; message: Message; except: unknown }[] = [];
  const batcher = new SendBatcher<ActionRequest, ActionOutcome>({
    commit: async (batch) => {
      committed.push([...batch]);
      return batch.map((r): ActionOutcome => {
        const m = messages.get(r.messageId);
        return m ? { applied: true, message: { ...m, version: 1 }, affected: [] } : { refused: new PigeonError('NOT_FOUND', 'no such message') };
      });
    },
  });
  const fanout: Fanout = {
    emit: (userIds, event, payload, except) => void emitted.push({ to: userIds, event, message: (payload as { message: Message }).message, except }),
    toConversation: (conversationId, event, payload, except) => void emitted.push({ to: conversationId, event, message: (payload as { message: Message }).message, except }),
  };
  const blocks = {
    blockedBy: async (id: string) => new Set(blocked[id] ?? []),
    blockersOf: async (id: string) => new Set(Object.keys(blocked).filter((k) => blocked[k]!.includes(id))),
  };
  const store = {
    getMessage: async (id: string) => {
      reads.push(id);
      return messages.get(id) ?? null;
    },
    // cy was added to g:1 at seq 5, after its message g1 (seq 1).
    memberPeriods: async (_id: string, userId: string) => (userId === 'cy' ? [{ fromSeq: 5, toSeq: null }] : []),
  };
  const group = {
    members: [
      { userId: 'ann', role: 'admin' as const, sinceSeq: 1 },
      { userId: 'bob', role: 'member' as const, sinceSeq: 1 },
      { userId: 'cy', role: 'member' as const, sinceSeq: 5 },
    ],
  };
  const rateLimiter = createSendLimit(createLimiterFactory(null, pino({ level: 'silent' })), { sendRateLimit: limit, sendRateWindowMs: 10_000 });
  const service = new ActionService({ batcher, rateLimiter, fanout, blocks, store: { ...store, getGroup: async (id: string) => (id === 'g:1' ? { id, title: 'g', createdBy: 'ann', createdAt: '', lastSeq: 5, ...group } : null) }, now, attachments });
  return { service, committed, emitted, reads };
}

describe('ActionService', () => {
  it('stamps actions with the server clock, commits concurrent ones in one batch, and answers with every v2 field', async () => {
    const { service, committed } = setup();
    const [a, b] = await Promise.all([
      service.act('bob', 'm1', 'react-client-1', { kind: 'react', emoji: '👍' }),
      service.act('ann', 'g1', 'edit-client-1', { kind: 'edit', body: 'hello' }),
    ]);
    expect(committed).toEqual([
      [
        { actorId: 'bob', clientId: 'react-client-1', messageId: 'm1', at: '2026-01-01T00:05:00.000Z', kind: 'react', emoji: '👍' },
        { actorId: 'ann', clientId: 'edit-client-1', messageId: 'g1', at: '2026-01-01T00:05:00.000Z', kind: 'edit', body: 'hello' },
      ],
    ]);
    expect(a).toMatchObject({ kind: 'react', applied: true, message: { id: 'm1', replyTo: null, reactions: [], editedAt: null, deletedAt: null, attachments: [], version: 1 } });
    expect(b.kind).toBe('edit');
  });

  it('throws the store refusal', async () => {
    const { service } = setup();
    await expect(service.act('ann', 'gone', 'delete-client-1', { kind: 'delete' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('1:1 with a block either way: react and edit FORBIDDEN before any commit; delete and hide go through; groups are exempt', async () => {
    for (const blocked of [{ bob: ['ann'] }, { ann: ['bob'] }] as Record<string, string[]>[]) {
      const { service, committed } = setup({ blocked });
      await expect(service.act('ann', 'm1', 'react-client-1', { kind: 'react', emoji: '👍' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(service.act('ann', 'm1', 'edit-client-1', { kind: 'edit', body: 'x' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(service.act('bob', 'm1', 'react-client-2', { kind: 'react', emoji: '👍' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
      expect(committed).toEqual([]);
      await service.act('ann', 'm1', 'delete-client-1', { kind: 'delete' });
      await service.act('bob', 'm1', 'hide-client-1', { kind: 'hide' });
      await service.act('ann', 'g1', 'react-client-3', { kind: 'react', emoji: '👍' });
      expect(committed.flat().map((r) => `${r.actorId} ${r.kind} ${r.messageId}`)).toEqual(['ann delete m1', 'bob hide m1', 'ann react g1']);
    }
  });

  it('reads the target only for an actor with a block either way; an unknown target is left to the store', async () => {
    const clean = setup({ blocked: { cid: ['dan'] } });
    await clean.service.act('ann', 'm1', 'react-client-1', { kind: 'react', emoji: '👍' });
    expect(clean.reads).toEqual([]);
    const blocking = setup({ blocked: { ann: ['cid'] } });
    await blocking.service.act('ann', 'm1', 'react-client-1', { kind: 'react', emoji: '👍' });
    await expect(blocking.service.act('ann', 'gone', 'react-client-2', { kind: 'react', emoji: '👍' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(blocking.reads).toEqual(['m1', 'gone']);
  });

  it('counts against the send budget (SEND_RATE_LIMIT) per actor', async () => {
    const { service, committed } = setup({ limit: 2 });
    await service.act('ann', 'm1', 'react-client-1', { kind: 'react', emoji: '👍' });
    await service.act('ann', 'm1', 'react-client-2', { kind: 'react', emoji: '❤️' });
    await expect(service.act('ann', 'm1', 'react-client-3', { kind: 'react', emoji: '😮' })).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    await expect(service.act('bob', 'm1', 'react-client-4', { kind: 'react', emoji: '😮' })).resolves.toMatchObject({ applied: true });
    expect(committed.flat()).toHaveLength(3);
  });

  it('announces: 1:1 to both people but the acting socket, a group to the members who can see the message, affected replies to every socket, a hide to the actor only; nothing when not applied', async () => {
    const { service, emitted } = setup();
    const updated = (m: Message, extra: Partial<ActionResult> = {}): ActionResult => ({ kind: 'react', applied: true, message: m, affected: [], ...extra });
    const hidden = { ...message('m1', dm, 'ann'), hiddenAt: '2026-01-01T00:01:00.000Z' };
    await service.announce('bob', updated(hidden), 'sock-1');
    await service.announce('ann', updated(message('g1', 'g:1', 'ann')), 'sock-2');
    await service.announce('ann', updated(message('m1', dm, 'ann'), { kind: 'delete', affected: [message('r1', dm, 'bob')] }), 'sock-3');
    await service.announce('bob', updated(hidden, { kind: 'hide' }), 'sock-4');
    await service.announce('bob', updated(message('m1', dm, 'ann'), { applied: false }), 'sock-5');
    expect(emitted.map(({ to, event, message: m, except }) => ({ to, event, id: m.id, hiddenAt: m.hiddenAt, except }))).toEqual([
      // bob hid m1 earlier: ann must not learn it from bob's reaction.
      { to: ['ann', 'bob'], event: 'message-updated', id: 'm1', hiddenAt: undefined, except: 'sock-1' },
      // cy joined the group after g1 (seq 1): not told of its change.
      { to: ['ann', 'bob'], event: 'message-updated', id: 'g1', hiddenAt: undefined, except: 'sock-2' },
      { to: ['ann', 'bob'], event: 'message-updated', id: 'm1', hiddenAt: undefined, except: 'sock-3' },
      { to: ['ann', 'bob'], event: 'message-updated', id: 'r1', hiddenAt: undefined, except: undefined },
      { to: ['bob'], event: 'message-updated', id: 'm1', hiddenAt: '2026-01-01T00:01:00.000Z', except: 'sock-4' },
    ]);
  });

  it('a delete for everyone has the bytes of the message’s attachments deleted after its commit; other actions and refusals do not', async () => {
    const deleted: (readonly string[])[] = [];
    const { service } = setup({ attachments: { deleteBytesOf: async (ids) => void deleted.push(ids) } });
    await service.act('ann', 'a1', 'react-client-9', { kind: 'react', emoji: '👍' });
    await service.act('ann', 'm1', 'delete-client-8', { kind: 'delete' });
    await expect(service.act('ann', 'gone', 'delete-client-7', { kind: 'delete' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(deleted).toEqual([]);
    await service.act('ann', 'a1', 'delete-client-9', { kind: 'delete' });
    expect(deleted).toEqual([['att-1']]);
  });
});
