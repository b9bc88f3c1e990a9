import { describe, expect, it } from 'vitest';
import { integrityErrors } from './load.ts';
import { FanoutTracker, fanoutGroup, type FanoutSend } from './fanout.ts';

const group = fanoutGroup('g:1', ['a', 'b', 'c']);
const msg = (clientId: string, conversationId = 'g:1', senderId = 'a') => ({ senderId, clientId, conversationId });
const OK = { ok: true };

function tracker() {
  const log: string[] = [];
  const t = new FanoutTracker({
    acked: (s, now) => log.push(`acked ${s.key} ${now - s.t0}`),
    deliveredToAll: (s, now) => log.push(`all ${s.key} ${now - s.t0}`),
    completed: (s) => log.push(`completed ${s.key}`),
  });
  return { t, log };
}

describe('FanoutTracker', () => {
  it('completes a send once it is acked and every other member has it; delivered-to-all is the last receipt', () => {
    const { t, log } = tracker();
    const s = t.send('a:m1', group, 0, 100, true);
    t.deliver('b', msg('m1'), 105);
    expect(t.incomplete).toBe(1);
    t.ack(s, OK, 107);
    t.deliver('c', msg('m1'), 112);
    expect(log).toEqual(['acked a:m1 7', 'all a:m1 12', 'completed a:m1']);
    expect(t.incomplete).toBe(0);
    const i = t.check();
    expect(integrityErrors(i)).toBe(0);
    expect(i).toMatchObject({ sent: 1, acked: 1, delivered: 2 });
  });

  it('completes at the ack when every member already has it', () => {
    const { t, log } = tracker();
    const s = t.send('b:m2', group, 1, 0, true);
    t.deliver('a', msg('m2', 'g:1', 'b'), 3);
    t.deliver('c', msg('m2', 'g:1', 'b'), 4);
    t.ack(s, OK, 9);
    expect(log).toEqual(['all b:m2 4', 'acked b:m2 9', 'completed b:m2']);
  });

  it('counts a second delivery to a member, a delivery to the sender, to a non-member or under another conversation', () => {
    const { t } = tracker();
    t.send('a:m3', group, 0, 0, true);
    t.deliver('b', msg('m3'), 1);
    t.deliver('b', msg('m3'), 2);
    t.deliver('a', msg('m3'), 2);
    t.deliver('z', msg('m3'), 2);
    t.deliver('c', msg('m3', 'g:2'), 2);
    const i = t.check();
    expect(i.doubleDeliveries).toBe(1);
    expect(i.wrongRecipient).toBe(3);
    expect(i.missingAcks).toBe(1);
    expect(i.missingDeliveries).toBe(1);
    expect(i.firstErrors).toHaveLength(4);
  });

  it('counts a delivery after completion or of an unknown send as unknown, and a second ack as double', () => {
    const { t } = tracker();
    const s: FanoutSend = t.send('a:m4', group, 0, 0, true);
    t.ack(s, OK, 1);
    t.deliver('b', msg('m4'), 1);
    t.deliver('c', msg('m4'), 1);
    t.deliver('c', msg('m4'), 2);
    t.deliver('b', msg('nope'), 2);
    t.ack(s, OK, 3);
    expect(t.check()).toMatchObject({ unknownDeliveries: 2, doubleAcks: 1, missingAcks: 0, missingDeliveries: 0 });
  });

  it('a failed ack is counted and the send forgotten (nothing more will come for it)', () => {
    const { t } = tracker();
    const s = t.send('a:m5', group, 0, 0, true);
    t.ack(s, { ok: false, code: 'FORBIDDEN' }, 1);
    expect(t.incomplete).toBe(0);
    expect(t.check()).toMatchObject({ failedAcks: 1, missingAcks: 0, missingDeliveries: 0 });
    expect(t.check().firstErrors[0]).toContain('FORBIDDEN');
  });

  it('sends never acked or delivered count as missing, per member', () => {
    const { t } = tracker();
    t.send('a:m6', fanoutGroup('g:3', ['a', 'b', 'c', 'd']), 0, 0, false);
    t.deliver('d', msg('m6', 'g:3'), 1);
    expect(t.check()).toMatchObject({ missingAcks: 1, missingDeliveries: 2 });
  });

  it('refuses a group listing a member twice and a key tracked twice', () => {
    expect(() => fanoutGroup('g:x', ['a', 'a'])).toThrow();
    const { t } = tracker();
    t.send('a:m7', group, 0, 0, true);
    expect(() => t.send('a:m7', group, 0, 0, true)).toThrow();
  });
});
