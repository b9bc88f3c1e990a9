import { describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import type { Fanout } from '../messages/fanout.ts';
import type { GroupRecord } from '../store/group-records.ts';
import { createTypingEmit } from './typing-fanout.ts';

const GROUP = 'g:1';
const group = (...members: string[]): GroupRecord => ({ id: GROUP, title: 'G', members: members.map((userId) => ({ userId, role: 'member', sinceSeq: 1 })) }) as unknown as GroupRecord;

/** A fanout that records what went where; a store whose reads the test answers, in any order. */
function setup(opts: { blocked?: Record<string, string[]> } = {}) {
  const sent: { to: readonly string[]; event: string; from: string; conversationId: string }[] = [];
  const fanout = {
    emit: (to, event, payload) => sent.push({ to, event, ...(payload as { from: string; conversationId: string }) }),
    toConversation: () => {
      throw new Error('typing must not use the group room');
    },
  } as Fanout;
  /** Answers a read: a group, none, or an error the store threw. */
  const reads: ((g: GroupRecord | null | Error) => void)[] = [];
  const store = {
    getGroup: () => new Promise<GroupRecord | null>((resolve, reject) => reads.push((g) => (g instanceof Error ? reject(g) : resolve(g)))),
  };
  const blocks = { blockedBy: async (u: string) => new Set(opts.blocked?.[u] ?? []), blockersOf: async () => new Set<string>() };
  const emit = createTypingEmit(fanout, blocks, store, createLogger('silent'));
  const settle = () => new Promise((r) => setTimeout(r, 0));
  return { sent, reads, emit, settle };
}

describe('typing fan-out in a group', () => {
  it('goes to the members a read of the group names, not to the typist or anyone blocked either way', async () => {
    const { sent, reads, emit, settle } = setup({ blocked: { ann: ['cy'] } });
    emit('ann', GROUP, 'typing');
    await settle();
    reads[0]!(group('ann', 'bo', 'cy', 'di'));
    await settle();
    expect(sent).toEqual([{ to: ['bo', 'di'], event: 'typing', from: 'ann', conversationId: GROUP }]);
  });

  it('a start from someone the read does not name goes nowhere; their stop goes to the members', async () => {
    const { sent, reads, emit, settle } = setup();
    emit('gone', GROUP, 'typing');
    emit('gone', GROUP, 'typing-stopped');
    await settle();
    reads[0]!(group('ann', 'bo'));
    await settle();
    reads[1]!(group('ann', 'bo'));
    await settle();
    expect(sent).toEqual([{ to: ['ann', 'bo'], event: 'typing-stopped', from: 'gone', conversationId: GROUP }]);
  });

  it('a stop never overtakes its start: the reads of one pair are made one after another', async () => {
    const { sent, reads, emit, settle } = setup();
    emit('ann', GROUP, 'typing');
    emit('ann', GROUP, 'typing-stopped');
    await settle();
    // The stop's read is not even asked for before the start's is answered.
    expect(reads).toHaveLength(1);
    reads[0]!(group('ann', 'bo'));
    await settle();
    reads[1]!(group('ann', 'bo'));
    await settle();
    expect(sent.map((s) => s.event)).toEqual(['typing', 'typing-stopped']);
  });

  it('other typists do not wait for each other', async () => {
    const { sent, reads, emit, settle } = setup();
    emit('ann', GROUP, 'typing');
    emit('bo', GROUP, 'typing');
    await settle();
    expect(reads).toHaveLength(2);
    reads[1]!(group('ann', 'bo'));
    await settle();
    expect(sent.map((s) => s.from)).toEqual(['bo']);
  });

  it('a group that is gone, or a read that fails, sends nothing, and the pair\'s next indicator still goes', async () => {
    const { sent, reads, emit, settle } = setup();
    emit('ann', GROUP, 'typing');
    emit('ann', GROUP, 'typing-stopped');
    emit('ann', GROUP, 'typing');
    await settle();
    reads[0]!(null);
    await settle();
    reads[1]!(new Error('store unreachable'));
    await settle();
    reads[2]!(group('ann', 'bo'));
    await settle();
    expect(sent).toEqual([{ to: ['bo'], event: 'typing', from: 'ann', conversationId: GROUP }]);
  });

  it('in a 1:1 conversation goes to the peer at once, with no read', () => {
    const { sent, reads, emit } = setup();
    emit('ann', 'bo', 'typing');
    expect(reads).toHaveLength(0);
    expect(sent).toEqual([{ to: ['bo'], event: 'typing', from: 'ann', conversationId: 'dm:ann:bo' }]);
  });
});
