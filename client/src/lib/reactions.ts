/** Reactions in the UI: the menu's quick row and the chips under a bubble (both loaded on demand). */

/** The six reactions of the menu's quick row (the lazy picker has more); `name` is the key of its name (chat.emoji.*). */
export const QUICK_REACTIONS: readonly { emoji: string; name: string }[] = [
  { emoji: '👍', name: 'chat.emoji.thumbsUp' },
  { emoji: '❤️', name: 'chat.emoji.redHeart' },
  { emoji: '😂', name: 'chat.emoji.tearsOfJoy' },
  { emoji: '😮', name: 'chat.emoji.surprised' },
  { emoji: '😢', name: 'chat.emoji.crying' },
  { emoji: '🙏', name: 'chat.emoji.foldedHands' },
];

export interface ReactionGroup {
  emoji: string;
  count: number;
  userIds: string[];
  mine: boolean;
}

/** Reactions grouped by emoji, in the order each emoji first appeared. */
export function groupReactions(reactions: readonly { userId: string; emoji: string }[] | undefined, meId: string): ReactionGroup[] {
  const groups = new Map<string, ReactionGroup>();
  for (const r of reactions ?? []) {
    const g = groups.get(r.emoji) ?? { emoji: r.emoji, count: 0, userIds: [], mine: false };
    g.count += 1;
    g.userIds.push(r.userId);
    if (r.userId === meId) g.mine = true;
    groups.set(r.emoji, g);
  }
  return [...groups.values()];
}
