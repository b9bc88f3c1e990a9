export { createMongoStore, dbNameFromUri, type MongoStore, type MongoStoreOptions } from './mongo-store.ts';
export { INDEXES } from './indexes.ts';
