/**
 * The Mongo test files' shared setup: the Mongo-protocol server that tests/setup/mongo.ts
 * provides (FerretDB, or MONGODB_URI), one fresh database per store, and the users and sends
 * the tests need.
 */
import { MongoClient } from 'mongodb';
import { afterAll, describe, inject } from 'vitest';
import type { SendRequest, Store, UserRecord } from '../../store.ts';
import { createMongoStore, type MongoStore, type MongoStoreOptions, type StoreHooks } from '../mongo-store.ts';

const mongoUri = inject('mongoUri');

const SKIP_REASON = mongoUri
  ? null
  : 'no Mongo-protocol server (mongoUri is null: PIGEON_TEST_MONGO=0?); set MONGODB_URI or let tests/setup/mongo.ts start FerretDB';

/**
 * `describe` over the test server, dropping the databases its tests created. Without a
 * server it is skipped, and says so in its title and on the console: a silent skip reads as a pass.
 */
export function describeMongo(title: string, body: () => void): void {
  if (SKIP_REASON) {
    console.warn(`[${title}] SKIPPED: ${SKIP_REASON}`);
    describe.skip(`${title} (skipped: ${SKIP_REASON})`, body);
    return;
  }
  describe(title, () => {
    afterAll(dropCreatedDatabases);
    body();
  });
}

export const runId = `${process.pid}_${Date.now().toString(36)}`;
let dbCounter = 0;
const createdDbs = new Set<string>();

export function freshDbName(): string {
  const name = `pigeon_test_${runId}_${++dbCounter}`;
  createdDbs.add(name);
  return name;
}

/** Leaves nothing behind on a user-provided server. */
async function dropCreatedDatabases(): Promise<void> {
  const admin = new MongoClient(mongoUri!);
  await admin.connect();
  try {
    for (const name of createdDbs) await admin.db(name).dropDatabase();
    createdDbs.clear();
  } finally {
    await admin.close();
  }
}

export function openMongo(dbName: string, extra: Partial<MongoStoreOptions> = {}): Promise<MongoStore> {
  return createMongoStore({ uri: mongoUri!, dbName, ...extra });
}

let userCounter = 0;
export const newUser = (store: Store): Promise<UserRecord> =>
  store.createUser({ username: `u${++userCounter}_${runId}`.slice(0, 32), displayName: 'U', passwordHash: 'h' });

let clientCounter = 0;
export const req = (from: UserRecord, to: UserRecord, body = 'b', clientId = `cid-${++clientCounter}-${runId}`): SendRequest => ({
  senderId: from.id,
  recipientId: to.id,
  clientId,
  body,
});

/**
 * Two stores on one fresh database, `plain` opened first, then `racing`, whose `hook`
 * runs the race armed by `armRace` once. Both take the 'process' lock: under the
 * shared lock these races cannot happen (and the staged one would deadlock).
 */
export async function openRacingPair(hook: keyof StoreHooks) {
  const name = freshDbName();
  const plain = await openMongo(name, { writeLock: 'process' });
  let raceOnce: (() => Promise<void>) | null = null;
  const runRaceOnce = async () => {
    const race = raceOnce;
    raceOnce = null;
    await race?.();
  };
  const racing = await openMongo(name, { writeLock: 'process', hooks: { [hook]: runRaceOnce } });
  const armRace = (race: () => Promise<void>) => {
    raceOnce = race;
  };
  return { plain, racing, armRace };
}
