/**
 * Counts the fake-indexeddb calls of a bench process (object store and index reads and writes,
 * cursor steps, transactions) into globalThis.__idbCounts; figure 3 prints those made during
 * the engine's catch-up. A load-independent measure of what a change saves:
 *   CATCHUP_BROWSER=0 node --import ./bench/tools/idb-count.mjs --import tsx bench/run.ts --only=catchup --no-write
 */
import 'fake-indexeddb';
import FDBObjectStore from 'fake-indexeddb/lib/FDBObjectStore';
import FDBIndex from 'fake-indexeddb/lib/FDBIndex';
import FDBCursor from 'fake-indexeddb/lib/FDBCursor';
import FDBDatabase from 'fake-indexeddb/lib/FDBDatabase';
const counts = {};
const wrap = (proto, cls, names) => { for (const n of names) { const o = proto[n]; if (!o) continue; proto[n] = function (...a) { const k = `${cls}.${n}`; counts[k] = (counts[k] ?? 0) + 1; return o.apply(this, a); }; } };
wrap(FDBObjectStore.prototype, 'store', ['put', 'add', 'get', 'getAll', 'getAllKeys', 'openCursor', 'delete', 'count']);
wrap(FDBIndex.prototype, 'index', ['get', 'getAll', 'getAllKeys', 'openCursor', 'openKeyCursor', 'count']);
wrap(FDBCursor.prototype, 'cursor', ['continue', 'continuePrimaryKey', 'advance']);
wrap(FDBDatabase.prototype, 'db', ['transaction']);
globalThis.__idbCounts = counts;
