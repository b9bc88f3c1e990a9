/**
 * Test kit for the sync engine: an in-memory server that engines connect to through
 * `transport()`, with scripted faults, and a deadline-based `waitFor`. Runs wherever
 * the engine runs (pass an IndexedDB such as fake-indexeddb in Node).
 * docs/sync-protocol.md §10 has a complete example test.
 *
 * @example
 * const server = createMemoryServer();
 * const engine = createSyncEngine({ serverUrl: '', transport: server.transport(), indexedDB: new IDBFactory(), IDBKeyRange });
 */
export { fail, rejectionOf } from './fail.ts';
export { createMemoryServer, MemoryServer, type Hold, type Interceptor, type MemoryConnection, type MemoryServerOptions, type ServerCall, type ServerOp } from './memory-server.ts';
export type { MemoryTransportOptions } from './memory-transport.ts';
export { networkError } from '../engine/transport/transport.ts';
export { waitFor } from './wait-for.ts';
export { dropMessages, putStored, storedMessage, storedMessages, storedRange, updateStored } from './stored-messages.ts';
export { spyOnReads, type SeenRead } from './read-spy.ts';
