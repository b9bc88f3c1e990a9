/**
 * A 1:1 conversation's id is derived from its two members, so both sides and
 * every server node agree on it without a lookup or a race to create it.
 */
export function directConversationId(a: string, b: string): string {
  return a < b ? `dm:${a}:${b}` : `dm:${b}:${a}`;
}

export function conversationMembers(conversationId: string): [string, string] | null {
  const m = /^dm:([^:]+):([^:]+)$/.exec(conversationId);
  return m ? [m[1]!, m[2]!] : null;
}

export function conversationPeer(conversationId: string, me: string): string | null {
  const members = conversationMembers(conversationId);
  if (!members || !members.includes(me)) return null;
  return members[0] === me ? members[1] : members[0];
}
