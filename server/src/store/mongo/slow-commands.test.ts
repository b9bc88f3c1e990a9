import { EventEmitter } from 'node:events';
import type { MongoClient } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { commandShape, filterPaths, watchSlowCommands } from './slow-commands.ts';

describe('filterPaths', () => {
  it('keeps fields and operators, drops every value', () => {
    const paths = filterPaths({ recipientId: 'u-secret', status: { $in: ['sent', 'delivered'] }, seq: { $lte: 9, $gt: 2 }, 'a.b': 1 });
    expect(paths).toEqual(['a.b', 'recipientId', 'seq.$gt', 'seq.$lte', 'status.$in']);
    expect(JSON.stringify(paths)).not.toContain('secret');
  });

  it('names the fields inside $or / $and once each', () => {
    expect(filterPaths({ $or: [{ a: 1 }, { b: { $exists: false } }, { a: 2 }] })).toEqual(['$or[a,b.$exists]']);
  });

  it('a sub-document compared whole is one field', () => {
    expect(filterPaths({ key: { x: 1, y: 2 } })).toEqual(['key']);
  });

  it('an id used as a key (search.ts: hidden.<userId>) shows as <id>; field names stay', () => {
    const paths = filterPaths({ 'hidden.0d4b6659-3da2-4640-adef-8dbcd2b2ab65': { $exists: false }, 'content.deletedAt': null, changePos: 1 });
    expect(paths).toEqual(['changePos', 'content.deletedAt', 'hidden.<id>.$exists']);
  });

  it('no filter, no paths', () => {
    expect(filterPaths(undefined)).toEqual([]);
    expect(filterPaths([{ a: 1 }])).toEqual([]);
  });
});

describe('commandShape', () => {
  it('find: collection and filter', () => {
    expect(commandShape({ commandName: 'find', command: { find: 'messages', filter: { conversationId: 'c', seq: { $gt: 3 } }, sort: { seq: 1 } } })).toEqual({
      command: 'find',
      collection: 'messages',
      filter: ['conversationId', 'seq.$gt'],
    });
  });

  it('update and delete: the first statement\'s filter and how many statements', () => {
    const update = commandShape({ commandName: 'update', command: { update: 'messages', updates: [{ q: { _id: { $in: ['a'] } }, u: {} }, { q: {}, u: {} }] } });
    expect(update).toEqual({ command: 'update', collection: 'messages', filter: ['_id.$in'], items: 2 });
    expect(commandShape({ commandName: 'delete', command: { delete: 'log', deletes: [{ q: { at: { $lt: 1 } } }] } }).filter).toEqual(['at.$lt']);
  });

  it('insert: how many documents, none of their content', () => {
    const shape = commandShape({ commandName: 'insert', command: { insert: 'messages', documents: [{ body: 'hello' }, { body: 'there' }] } });
    expect(shape).toEqual({ command: 'insert', collection: 'messages', filter: [], items: 2 });
    expect(JSON.stringify(shape)).not.toContain('hello');
  });

  it('aggregate: the leading $match', () => {
    const shape = commandShape({ commandName: 'aggregate', command: { aggregate: 'messages', pipeline: [{ $match: { conversationId: 'c' } }, { $group: {} }] } });
    expect(shape.filter).toEqual(['conversationId']);
  });

  it('a command on no collection', () => {
    expect(commandShape({ commandName: 'ping', command: { ping: 1 } })).toEqual({ command: 'ping', collection: null, filter: [] });
  });
});

describe('watchSlowCommands', () => {
  function setup(options: { thresholdMs: number; maxPerWindow?: number }) {
    const client = new EventEmitter();
    const lines: Record<string, unknown>[] = [];
    let t = 0;
    const stop = watchSlowCommands(client as unknown as MongoClient, {
      ...options,
      windowMs: 1000,
      now: () => t,
      log: { warn: (fields) => lines.push(fields) },
    });
    let id = 0;
    const run = (ms: number, failed = false) => {
      const requestId = ++id;
      client.emit('commandStarted', { requestId, commandName: 'find', command: { find: 'messages', filter: { seq: { $gt: 1 } } } });
      client.emit(failed ? 'commandFailed' : 'commandSucceeded', { requestId, duration: ms });
    };
    return { client, lines, stop, run, at: (ms: number) => (t = ms) };
  }

  it('logs commands at or over the threshold with their shape, not the others', () => {
    const { lines, run } = setup({ thresholdMs: 100 });
    run(99);
    run(100);
    run(250.4, true);
    expect(lines).toEqual([
      { command: 'find', collection: 'messages', filter: ['seq.$gt'], ms: 100 },
      { command: 'find', collection: 'messages', filter: ['seq.$gt'], ms: 250, failed: true },
    ]);
  });

  it('at most maxPerWindow lines a window; the next line says how many were left out', () => {
    const { lines, run, at } = setup({ thresholdMs: 1, maxPerWindow: 2 });
    for (let i = 0; i < 5; i++) run(10);
    expect(lines).toHaveLength(2);
    at(1000);
    run(10);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatchObject({ suppressed: 3 });
    run(10);
    expect(lines[3]).not.toHaveProperty('suppressed');
  });

  it('stop removes its listeners', () => {
    const { client, lines, stop, run } = setup({ thresholdMs: 1 });
    stop();
    expect(client.listenerCount('commandStarted') + client.listenerCount('commandSucceeded') + client.listenerCount('commandFailed')).toBe(0);
    run(10);
    expect(lines).toEqual([]);
  });
});
