import { describe, expect, it } from 'vitest';
import type { MuteApplied, MuteInput, ServerMuteRecord } from './check-input-mutes.ts';
import { checkAll } from './invariants.ts';
import { checkMuteConverge, checkMuteLost, checkMutes } from './invariants-mutes.ts';

const A = 'userA';
const C = 'dm:userA:userB';
const C2 = 'dm:userA:userC';
const rec = (muted: boolean, conversationId = C): ServerMuteRecord => ({ conversationId, muted, changedAt: '2026-12-02T00:00:01.000Z' });
const op = (device: string, muted: boolean, n: number, conversationId = C): MuteApplied => ({ device, userId: A, conversationId, muted, op: n });
const dev = (device: string, muted: Record<string, boolean | null>, userId = A) => ({ device, userId, expectedUserId: A, muted });

/** A settled run: two devices raced on C, the server kept the later (false), both show it. */
const good = (): MuteInput => ({
  applied: [op('u0d0', true, 3), op('u0d1', false, 5)],
  server: { [A]: [rec(false)] },
  devices: [dev('u0d0', { [C]: false }), dev('u0d1', { [C]: false })],
});

describe('mute checks', () => {
  it('pass on a settled run, and when absent', () => {
    expect(checkMutes({ mutes: good() })).toEqual([]);
    expect(checkMutes({})).toEqual([]);
  });

  it('mute-converge: a device showing another value than its user\'s server record', () => {
    const m = good();
    m.devices[1]!.muted[C] = true;
    const v = checkMuteConverge(m);
    expect(v.map((x) => x.invariant)).toEqual(['mute-converge']);
    expect(v[0]!.message).toContain('u0d1');
  });

  it('mute-converge: a chat shown muted that the server has no record of', () => {
    const m = good();
    m.devices[0]!.muted[C2] = true;
    expect(checkMuteConverge(m).map((x) => x.message)).toEqual([expect.stringContaining('nothing (never muted)')]);
    // Unmuted and no record: fine (never muted is unmuted).
    m.devices[0]!.muted[C2] = false;
    expect(checkMuteConverge(m)).toEqual([]);
  });

  it('mute-converge: a device without a row of the chat, or signed in as someone else, is not judged here', () => {
    const m = good();
    m.devices[1] = dev('u0d1', { [C]: null });
    m.devices.push(dev('u0d2', { [C]: true }, 'guest'));
    expect(checkMuteConverge(m)).toEqual([]);
  });

  it('mute-lost: a change accepted into an outbox that never reached the server', () => {
    const m = good();
    m.applied.push(op('u0d0', true, 9, C2));
    expect(checkMuteLost(m).map((x) => x.message)).toEqual([expect.stringContaining(`lost: ${A} changed ${C2}`)]);
  });

  it('mute-lost: a server value nobody set', () => {
    const m = good();
    m.applied = [op('u0d0', true, 3), op('u0d1', true, 5)];
    expect(checkMuteLost(m).map((x) => x.message)).toEqual([expect.stringContaining('which no change set')]);
  });

  it('mute-lost: changes from one device end at its last one', () => {
    const m = good();
    m.applied = [op('u0d0', false, 3), op('u0d0', true, 4)];
    m.server[A] = [rec(false)];
    expect(checkMuteLost(m).map((x) => x.message)).toEqual([expect.stringContaining('whose last (#4) set true')]);
    // From two devices, either value one of them set is the server's order: allowed.
    m.applied[1] = op('u0d1', true, 4);
    expect(checkMuteLost(m)).toEqual([]);
  });

  it('mute-lost: a server record of a chat nobody changed is a phantom', () => {
    const m = good();
    m.server[A]!.push(rec(true, C2));
    expect(checkMuteLost(m).map((x) => x.message)).toEqual([expect.stringContaining('phantom')]);
  });

  it('is part of checkAll', () => {
    const m = good();
    m.devices[0]!.muted[C] = true;
    const input = { userIds: [A], conversationIds: [], accepted: [], server: {}, devices: [], observations: [], mutes: m };
    expect(checkAll(input).map((v) => v.invariant)).toEqual(['mute-converge']);
  });
});
