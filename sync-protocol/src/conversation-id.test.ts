import { describe, expect, it } from 'vitest';
import { conversationMembers, conversationPeer, directConversationId } from './conversation-id.ts';

describe('direct conversation id', () => {
  it('is the same from both sides', () => {
    expect(directConversationId('a1', 'b2')).toBe(directConversationId('b2', 'a1'));
  });

  it('names its members, and only members have a peer', () => {
    const id = directConversationId('u-1', 'u-2');
    expect(conversationMembers(id)).toEqual(['u-1', 'u-2']);
    expect(conversationPeer(id, 'u-2')).toBe('u-1');
    expect(conversationPeer(id, 'u-3')).toBeNull();
    expect(conversationMembers('room:x')).toBeNull();
  });
});
