import { describe, expect, it } from 'vitest';
import { batchSizes, benchBody, cutBatches, emptyTotals, indexesToCopy, planBatches, summarizeSide } from './write-plan.ts';

const users = ['a', 'b', 'c', 'd', 'e', 'f'];

describe('planBatches', () => {
  it('makes the batches asked for, every send between the two members of one pair', () => {
    const plan = planBatches({ users, batchSize: 4, batches: 3, tag: 't' });
    expect(plan.map((b) => b.length)).toEqual([4, 4, 4]);
    for (const s of plan.flat()) {
      const i = users.indexOf(s.senderId);
      expect(s.recipientId).toBe(users[i ^ 1]);
    }
  });

  it('spreads a batch over every conversation and lets both members send', () => {
    const plan = planBatches({ users, batchSize: 6, batches: 1, tag: 't' });
    const conversations = new Set(plan[0]!.map((s) => [s.senderId, s.recipientId].sort().join()));
    expect(conversations.size).toBe(3);
    expect(new Set(plan[0]!.map((s) => s.senderId))).toEqual(new Set(users));
  });

  it('gives every send its own clientId, ordered within the plan', () => {
    const ids = planBatches({ users, batchSize: 50, batches: 4, tag: 'x' }).flat().map((s) => s.clientId);
    expect(new Set(ids).size).toBe(200);
    expect([...ids].sort()).toEqual(ids);
    expect(ids.every((id) => id.startsWith('x-'))).toBe(true);
  });

  it('refuses fewer than two users', () => {
    expect(() => planBatches({ users: ['a'], batchSize: 1, batches: 1, tag: 't' })).toThrow(/two users/);
  });

  it('uses the load generator body length', () => {
    expect(benchBody(64)).toHaveLength(64);
    expect(planBatches({ users, batchSize: 1, batches: 1, tag: 't', bodyChars: 20 })[0]![0]!.body).toHaveLength(20);
  });
});

describe('indexesToCopy', () => {
  it('keeps every index but _id_, with its key, name and uniqueness only', () => {
    const copied = indexesToCopy([
      { v: 2, key: { _id: 1 }, name: '_id_' },
      { v: 2, key: { senderId: 1, clientId: 1 }, name: 'sender_clientId_unique', unique: true },
      { v: 2, key: { recipientId: 1, changePos: 1 }, name: 'recipient_changePos', background: true },
    ]);
    expect(copied).toEqual([
      { key: { senderId: 1, clientId: 1 }, name: 'sender_clientId_unique', unique: true },
      { key: { recipientId: 1, changePos: 1 }, name: 'recipient_changePos' },
    ]);
  });
});

describe('cutBatches / batchSizes', () => {
  it('cuts documents into the given sizes, in order', () => {
    expect(cutBatches([1, 2, 3, 4, 5], [2, 2, 1])).toEqual([[1, 2], [3, 4], [5]]);
    expect(cutBatches([1, 2, 3], [2, 2, 2])).toEqual([[1, 2], [3]]);
  });
  it('splits a total into full batches and a shorter last one', () => {
    expect(batchSizes(7, 3)).toEqual([3, 3, 1]);
    expect(batchSizes(0, 3)).toEqual([]);
    expect(() => batchSizes(5, 0)).toThrow();
  });
});

describe('summarizeSide', () => {
  it('rates messages over the wall time of the segments and charges CPU per message', () => {
    const t = emptyTotals();
    t.messages = 2000;
    t.batchMs.push(100, 300);
    t.wallMs = 400;
    t.clientCpuSec = 0.2;
    t.dbCpuSec = 0.5;
    const s = summarizeSide(t);
    expect(s.msgsPerSec).toBe(5000);
    expect(s.batches).toBe(2);
    expect(s.clientCpuUsPerMsg).toBe(100);
    expect(s.dbCpuUsPerMsg).toBe(250);
    expect(s.batchLatency.p99).toBe(300);
  });
  it('says nothing (NaN) for an empty side rather than a rate of 0 or Infinity', () => {
    const s = summarizeSide(emptyTotals());
    expect(s.msgsPerSec).toBeNaN();
    expect(s.clientCpuUsPerMsg).toBeNaN();
  });
});
