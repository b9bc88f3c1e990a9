/**
 * Benchmarks assert nothing about time, but a lost or doubled message while
 * measuring is a failure: it is recorded here and `npm run bench` exits non-zero.
 */
import { integrityErrors, type Integrity } from './load.ts';
import type { StoreCheck } from './targets.ts';

export const failures: string[] = [];

export function fail(where: string, what: string): void {
  failures.push(`${where}: ${what}`);
  console.error(`\n!!! INTEGRITY FAILURE — ${where}: ${what}\n`);
}

/** Every send acked once and delivered once, and the store holds exactly those messages once. */
export function checkDelivery(where: string, integrity: Integrity, store: StoreCheck, storeIsReal: boolean): boolean {
  const before = failures.length;
  const n = integrityErrors(integrity);
  if (n > 0) {
    const { firstErrors, ...counts } = integrity;
    fail(where, `${n} delivery problems ${JSON.stringify(counts)}; first: ${firstErrors.join(' | ')}`);
  }
  if (store.messages !== integrity.sent)
    fail(where, `${integrity.sent} messages sent and acked, but the ${storeIsReal ? 'store holds' : 'server handled'} ${store.messages}`);
  if (store.duplicateClientIds > 0) fail(where, `${store.duplicateClientIds} (sender, clientId) pairs stored twice`);
  if (store.seqGaps > 0) fail(where, `${store.seqGaps} seq values out of 1..n in their conversation`);
  return failures.length === before;
}
