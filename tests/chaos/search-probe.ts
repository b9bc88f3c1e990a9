/**
 * The device's own search agrees with what it shows (issue #20): server copies keep their search
 * words in word records written with them (engine/local/page-words.ts), not on the rows, so after a
 * run of reloads, duplicate and reordered deliveries, edits, deletes and account switches, a few
 * words of each 1:1 chat are searched on the device, scoped to that chat, and its hits must be
 * exactly the shown messages with those words (not deleted, hidden or system ones): none missing,
 * none extra. Only words found in at most LIMITS.searchResultsMax messages are probed (search
 * answers at most that many).
 */
import { LIMITS, matchesTerms, queryTerms, searchTokens } from '@pigeon/sync-protocol';
import type { LocalMessage, SyncEngine } from '../../sync-protocol/src/engine/api.ts';

/** Chats probed per device, and words per chat: a message's number, and its first word. */
const CHATS = 3;

export async function searchMismatches(engine: SyncEngine, messages: Record<string, LocalMessage[]>): Promise<string[]> {
  const out: string[] = [];
  const chats = Object.entries(messages).filter(([, rows]) => rows.some(searchable)).slice(0, CHATS);
  for (const [conversationId, rows] of chats) {
    const shown = rows.filter(searchable);
    const sample = shown[Math.floor(shown.length / 2)]!;
    const tokens = searchTokens(sample.body);
    for (const q of new Set([tokens[tokens.length - 1]!, tokens[0]!])) {
      const terms = queryTerms(q);
      const expected = shown.filter((m) => matchesTerms(searchTokens(m.body), terms)).map((m) => m.key);
      if (expected.length > LIMITS.searchResultsMax) continue;
      const found = (await engine.search(q, { conversationId, limit: LIMITS.searchResultsMax })).hits.filter((h) => h.source !== 'server').map((h) => h.message.key);
      const missing = expected.filter((k) => !found.includes(k));
      const extra = found.filter((k) => !expected.includes(k));
      if (missing.length > 0 || extra.length > 0) out.push(`"${q}" in ${conversationId}: missing ${JSON.stringify(missing)}, extra ${JSON.stringify(extra)}`);
    }
  }
  return out;
}

const searchable = (m: LocalMessage) => !m.deletedAt && !m.hiddenAt && m.type !== 'system' && searchTokens(m.body).length > 0;
