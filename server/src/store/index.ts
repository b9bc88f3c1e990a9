export type * from './store.ts';
export { openStore, SQLITE_FILE_NAME, type OpenStoreOptions } from './open-store.ts';
