import { describe, expect, it } from 'vitest';
import { conversationHref } from '../composables/useHashRoute.ts';
import { chatHash, chatUrl, conversationIdOf } from './route.ts';

const IDS = ['c_123', 'dm:alice:bob', 'local:9f/2 x#y', 'ü-ß'];

describe('service worker route', () => {
  it('builds the same hash as the app router', () => {
    for (const id of IDS) expect(chatHash(id)).toBe(conversationHref(id));
  });

  it('reads the chat back from a window URL, and nothing from other screens', () => {
    for (const id of IDS) expect(conversationIdOf(`https://pigeon.test/${chatHash(id)}`)).toBe(id);
    expect(conversationIdOf('https://pigeon.test/')).toBeNull();
    expect(conversationIdOf('https://pigeon.test/#/devices')).toBeNull();
    expect(conversationIdOf('https://pigeon.test/#/c/%E0%A4%A')).toBeNull();
    expect(conversationIdOf('https://pigeon.test/#/c/c%2F1/m/m9')).toBe('c/1');
    expect(conversationIdOf('not a url')).toBeNull();
  });

  it('opens the chat inside the worker scope', () => {
    expect(chatUrl('https://pigeon.test/', 'a b')).toBe('https://pigeon.test/#/c/a%20b');
    expect(chatUrl('https://host.test/app/', 'c1')).toBe('https://host.test/app/#/c/c1');
  });
});
