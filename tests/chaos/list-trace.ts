/**
 * A device's fetch that writes into the run's history what it was told about its groups (finding
 * G1, docs/reliability.md): the positions each conversation list gave (`readSeq`, `deliveredSeq`),
 * and each catch-up page's group messages by seq and status. A status that goes backwards after a
 * sign-in can then be read against what the device had been told, and when. One line per response,
 * naming the device, so a message's story (history.ts `story`) carries them.
 */
import type { History } from './history.ts';

interface ListBody {
  conversations?: { id: string; type?: string; readSeq?: number; deliveredSeq?: number }[];
}
interface SyncBody {
  messages?: { conversationId: string; seq: number; status: string; senderId: string }[];
  hasMore?: boolean;
}

const short = (id: string) => id.slice(-6);

export function listTracingFetch(device: string, history: History): typeof fetch {
  return async (input, init) => {
    const res = await fetch(input, init);
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    if (!res.ok || (init?.method ?? 'GET') !== 'GET') return res;
    if (url.pathname === '/api/messages/conversations') {
      void res
        .clone()
        .json()
        .then((body: ListBody) => {
          const groups = (body.conversations ?? []).filter((c) => c.type === 'group');
          if (groups.length > 0) history.add('list', `${device} ${groups.map((g) => `${short(g.id)} read ${g.readSeq ?? '-'} delivered ${g.deliveredSeq ?? '-'}`).join('; ')}`);
        })
        .catch(() => {});
    } else if (url.pathname === '/api/sync') {
      void res
        .clone()
        .json()
        .then((body: SyncBody) => {
          const byGroup = new Map<string, string[]>();
          for (const m of body.messages ?? []) {
            if (!m.conversationId.startsWith('dm:')) byGroup.set(m.conversationId, [...(byGroup.get(m.conversationId) ?? []), `${m.seq}${m.status[0]}`]);
          }
          if (byGroup.size > 0) history.add('sync-page', `${device} since ${url.searchParams.get('since') || '(start)'}: ${[...byGroup].map(([id, seqs]) => `${short(id)} ${seqs.join(' ')}`).join('; ')}`);
        })
        .catch(() => {});
    }
    return res;
  };
}
