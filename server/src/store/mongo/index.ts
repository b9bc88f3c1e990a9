export { createMongoStore, dbNameFromUri, type MongoStore, type MongoStoreOptions, type StoreHooks } from './mongo-store.ts';
export { INDEXES } from './indexes.ts';
