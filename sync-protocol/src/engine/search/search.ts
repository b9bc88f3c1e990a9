/**
 * `engine.search` (api.ts): the device's matches (offline too), merged with the server's when it
 * can be asked. A server that fails or cannot be reached is no error of the search: the device's
 * hits come back with `server: false` and why (`serverError`).
 */
import { PigeonError } from '../../errors.ts';
import { LIMITS } from '../../limits.ts';
import type { Message } from '../../model/message.ts';
import { queryTerms } from '../../search-text.ts';
import type { SearchResults } from '../api.ts';
import type { LocalDb } from '../local/local-db.ts';
import { isLocalGroupId } from '../local/local-db.ts';
import type { Transport } from '../transport/transport.ts';
import { searchDevice } from './device-search.ts';
import { mergeHits } from './merge.ts';

export interface SearchDeps {
  db: LocalDb;
  me: string;
  transport: Pick<Transport, 'searchMessages'>;
  /** The network is allowed (setNetworkEnabled): offline, the server is not asked at all. */
  online: boolean;
}

export async function search(deps: SearchDeps, query: string, options: { conversationId?: string; limit?: number } = {}): Promise<SearchResults> {
  const terms = queryTerms(query);
  if (terms.length === 0) return { hits: [], terms, server: false };
  const limit = Math.min(Math.max(1, Math.floor(options.limit ?? LIMITS.searchResultsDefault)), LIMITS.searchResultsMax);
  const scope = options.conversationId !== undefined ? { conversationId: options.conversationId } : {};
  const askServer = deps.online && !(options.conversationId !== undefined && isLocalGroupId(options.conversationId));
  const [device, remote] = await Promise.all([
    searchDevice(deps.db, deps.me, terms, { ...scope, limit }),
    askServer ? fromServer(deps.transport, query, scope, limit) : Promise.resolve(offline()),
  ]);
  const server = 'messages' in remote ? remote.messages : null;
  return {
    hits: mergeHits(deps.me, device, server, limit),
    terms,
    server: server !== null,
    ...('error' in remote ? { serverError: remote.error } : {}),
  };
}

/** `skipped`: offline (network disabled), the server was not asked: no error to report. */
type Remote = { messages: Message[] } | { error: { code: PigeonError['code']; message: string } } | { skipped: true };

const offline = (): Remote => ({ skipped: true });

async function fromServer(transport: SearchDeps['transport'], query: string, scope: { conversationId?: string }, limit: number): Promise<Remote> {
  try {
    // The server takes at most searchQueryMaxChars: a longer query is cut, its first words are what counts.
    const q = query.trim().slice(0, LIMITS.searchQueryMaxChars);
    return { messages: (await transport.searchMessages({ q, ...scope, limit })).messages };
  } catch (e) {
    if (e instanceof PigeonError) return { error: { code: e.code, message: e.message } };
    return { error: { code: 'INTERNAL', message: String((e as Error)?.message ?? e) } };
  }
}
