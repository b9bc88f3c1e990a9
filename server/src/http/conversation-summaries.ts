import { withMessageDefaults, type ConversationSummary } from '@pigeon/sync-protocol';
import { groupSummary } from '../groups/summaries.ts';
import type { ConversationRecord } from '../store/store.ts';
import { toPublicUser, withoutPresence } from '../users/public-user.ts';
import type { HttpServices } from './types.ts';

type Deps = Pick<HttpServices, 'store' | 'presence' | 'audience'>;

/**
 * The store's conversations as `viewerId` sees them: a direct one with its peer (presence only
 * if the Audience allows), a group with its title and members (groups/summaries.ts). The last
 * message carries every v2 field (withMessageDefaults), like every message the server sends.
 */
export async function summarize(s: Deps, viewerId: string, stored: readonly ConversationRecord[]): Promise<ConversationSummary[]> {
  const records = stored.map((r) => (r.lastMessage ? { ...r, lastMessage: withMessageDefaults(r.lastMessage) } : r));
  const peerIds = records.flatMap((r) => (r.type !== 'group' && r.peerId !== null ? [r.peerId] : []));
  const [peers, online, visible, muted] = await Promise.all([
    s.store.getUsers(peerIds),
    s.presence.onlineAmong(peerIds),
    s.audience.visibleAmongContacts(viewerId, peerIds),
    mutedConversations(s, viewerId),
  ]);
  const byId = new Map(peers.map((p) => [p.id, p]));
  const summaries: ConversationSummary[] = [];
  for (const record of records) {
    if (record.type === 'group') {
      summaries.push(withMuted(groupSummary(viewerId, record), muted));
      continue;
    }
    const peer = record.peerId === null ? undefined : byId.get(record.peerId);
    if (!peer) continue; // cannot happen while users are never deleted; skip rather than 500
    summaries.push(withMuted({
      id: record.id,
      type: 'direct',
      title: peer.displayName,
      members: [viewerId, peer.id].sort().map((userId) => ({ userId, role: 'member' as const })),
      peer: visible.has(peer.id) ? toPublicUser(peer, online.has(peer.id)) : withoutPresence(peer),
      lastMessage: record.lastMessage,
      unreadCount: record.unreadCount,
      updatedAt: record.updatedAt,
    }, muted));
  }
  return summaries;
}

/** The ids of the conversations the viewer has muted (their mute records say muted: true). */
export async function mutedConversations(s: Pick<Deps, 'store'>, viewerId: string): Promise<Set<string>> {
  return new Set((await s.store.mutesOf(viewerId)).filter((m) => m.muted).map((m) => m.conversationId));
}

/** `muted: true` on a muted chat (extension); absent otherwise, as older clients expect nothing there. */
export function withMuted(summary: ConversationSummary, muted: ReadonlySet<string>): ConversationSummary {
  return muted.has(summary.id) ? { ...summary, muted: true } : summary;
}

/** One conversation of the viewer's list, or null when the list has not got it. */
export async function summaryOf(s: Deps, viewerId: string, conversationId: string): Promise<ConversationSummary | null> {
  const record = (await s.store.listConversations(viewerId)).find((r) => r.id === conversationId);
  return record ? ((await summarize(s, viewerId, [record]))[0] ?? null) : null;
}
