/**
 * A separate process that writes into a Mongo store as a node would, for the node-death test
 * (node-death.test.ts): it opens the store on argv[2] (URI) / argv[3] (database), then sends
 * batches into the conversations of the user pairs in argv[4] (JSON [[a, b], ...]) without
 * pause until it is killed. Every batch it has seen committed is printed as a line, so the
 * test knows what this process had stored when it died.
 */
import { createMongoStore } from '../mongo-store.ts';

const [uri, dbName, pairsJson] = process.argv.slice(2);
const pairs = JSON.parse(pairsJson!) as [string, string][];
const store = await createMongoStore({ uri: uri!, dbName: dbName! });
process.stdout.write('ready\n');
for (let n = 0; ; n++) {
  const batch = pairs.flatMap(([a, b], i) => [
    { senderId: a, recipientId: b, clientId: `dying-${process.pid}-${n}-${i}-a`, body: `d${n}` },
    { senderId: b, recipientId: a, clientId: `dying-${process.pid}-${n}-${i}-b`, body: `d${n}` },
  ]);
  const outcomes = await store.sendMessages(batch);
  process.stdout.write(`committed ${outcomes.length}\n`);
}
