import { describe, expect, it } from 'vitest';
import { chatIsInFront, windowForChat, type WindowSnapshot } from './windows.ts';

const win = (hash: string, visibilityState: DocumentVisibilityState, focused: boolean): WindowSnapshot => ({
  conversationId: hash.startsWith('#/c/') ? hash.slice(4) : null,
  visibilityState,
  focused,
});

describe('chatIsInFront', () => {
  it('is true only for a visible, focused window on that chat', () => {
    expect(chatIsInFront([win('#/c/c1', 'visible', true)], 'c1')).toBe(true);
    expect(chatIsInFront([win('#/c/c1', 'hidden', false)], 'c1')).toBe(false);
    expect(chatIsInFront([win('#/c/c1', 'visible', false)], 'c1')).toBe(false);
    expect(chatIsInFront([win('#/c/c2', 'visible', true)], 'c1')).toBe(false);
    expect(chatIsInFront([win('#/', 'visible', true)], 'c1')).toBe(false);
    expect(chatIsInFront([], 'c1')).toBe(false);
    expect(chatIsInFront([win('#/c/c2', 'visible', true), win('#/c/c1', 'visible', true)], 'c1')).toBe(true);
  });
});

describe('windowForChat', () => {
  it('prefers a window on the chat, then focused, then visible, then any; -1 for none', () => {
    expect(windowForChat([], 'c1')).toBe(-1);
    expect(windowForChat([win('#/', 'hidden', false), win('#/c/c1', 'hidden', false)], 'c1')).toBe(1);
    expect(windowForChat([win('#/', 'hidden', false), win('#/c/c2', 'visible', true)], 'c1')).toBe(1);
    expect(windowForChat([win('#/', 'hidden', false), win('#/devices', 'visible', false)], 'c1')).toBe(1);
    expect(windowForChat([win('#/', 'hidden', false)], 'c1')).toBe(0);
  });
});
