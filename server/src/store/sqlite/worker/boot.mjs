// Entry of the SQLite store's worker thread. A worker does not inherit the parent's
// TypeScript loader (neither `node --import tsx` nor vitest's), so it registers tsx
// itself before loading the TypeScript module.
import { register } from 'tsx/esm/api';

register();
await import('./store-worker.ts');
