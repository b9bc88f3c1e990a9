import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { describeStore, judgeIdentity, recordIdentity, reRecordOnReconnect, splitClusterMessage, type IdentityRedis } from './store-identity.ts';

/** An in-memory stand-in for the two commands (SET NX, GET), with a hook between them. */
function fakeRedis(initial: Record<string, string> = {}, betweenSetAndGet?: (data: Map<string, string>) => void): IdentityRedis {
  const data = new Map(Object.entries(initial));
  const redis = {
    async set(key: string, value: string) {
      if (data.has(key)) return null;
      data.set(key, value);
      return 'OK';
    },
    async get(key: string) {
      const hook = betweenSetAndGet;
      betweenSetAndGet = undefined;
      hook?.(data);
      return data.get(key) ?? null;
    },
  };
  return redis as unknown as IdentityRedis;
}

describe('cluster store identity', () => {
  it('judges: nothing recorded → recorded; the same → same; another → different, naming it', () => {
    expect(judgeIdentity('a', null)).toEqual({ kind: 'recorded' });
    expect(judgeIdentity('a', 'a')).toEqual({ kind: 'same' });
    expect(judgeIdentity('a', 'b')).toEqual({ kind: 'different', recorded: 'b' });
  });

  it('records the first identity and answers the recorded one afterwards', async () => {
    const redis = fakeRedis();
    expect(await recordIdentity(redis, 'k', 'first')).toBeNull();
    expect(await recordIdentity(redis, 'k', 'first')).toBe('first');
    expect(await recordIdentity(redis, 'k', 'second')).toBe('first');
  });

  it('a reset between SET NX and GET records this node’s identity instead of answering "nothing"', async () => {
    const redis = fakeRedis({ k: 'old' }, (data) => data.delete('k'));
    expect(await recordIdentity(redis, 'k', 'new')).toBeNull();
    expect(await recordIdentity(redis, 'k', 'other')).toBe('new');
  });

  it('the refusal says what is wrong and the three ways out', () => {
    const text = splitClusterMessage({ kind: 'sqlite', where: 'DATA_DIR=/srv/b' }, 'id-b', 'id-a', 'pigeon:cluster:store-identity');
    expect(text).toContain('DATA_DIR=/srv/b');
    expect(text).toContain('id-a');
    expect(text).toContain('same DATA_DIR');
    expect(text).toContain('MONGODB_URI');
    expect(text).toContain('redis-cli -u "$REDIS_URL" DEL pigeon:cluster:store-identity');
  });

  it('describes a store without credentials', () => {
    const base = { dataDir: './data', mongodbUri: null, mongoDbName: null };
    expect(describeStore('sqlite', base, (d) => `/abs/${d}`)).toEqual({ kind: 'sqlite', where: 'DATA_DIR=/abs/./data' });
    const mongo = describeStore('mongodb', { ...base, mongodbUri: 'mongodb://admin:s3cret@db1:27017/pigeon?authSource=admin' });
    expect(mongo.where).toBe('db1:27017/pigeon');
    expect(describeStore('mongodb', { ...base, mongodbUri: 'mongodb://u:p@h1,h2/x', mongoDbName: 'chat' }).where).not.toContain('p@');
  });

  it('after a reconnect: records the identity again into an empty Redis, and logs a split at error when another store got there first', async () => {
    const lines: { level: number; msg: string }[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) });
    const store = { kind: 'sqlite' as const, where: 'DATA_DIR=/srv/a' };
    const empty = Object.assign(new EventEmitter(), fakeRedis());
    reRecordOnReconnect(empty as never, 'k', 'ours', store, log);
    empty.emit('ready');
    await new Promise((r) => setTimeout(r, 10));
    expect(await empty.get('k')).toBe('ours');

    const taken = Object.assign(new EventEmitter(), fakeRedis({ k: 'theirs' }));
    reRecordOnReconnect(taken as never, 'k', 'ours', store, log);
    taken.emit('ready');
    await new Promise((r) => setTimeout(r, 10));
    const split = lines.find((l) => l.level === 50);
    expect(split?.msg).toMatch(/^cluster split: this node's store \(sqlite, DATA_DIR=\/srv\/a; identity ours\)/);
    expect(await taken.get('k')).toBe('theirs');
  });
});
