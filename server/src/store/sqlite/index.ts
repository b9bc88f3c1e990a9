export { createSqliteStore, type SqliteStoreOptions } from './sqlite-store.ts';
export { openDatabase } from './database.ts';
export { SCHEMA_VERSION } from './schema.ts';
export { createThreadedSqliteStore } from './worker/threaded-store.ts';
