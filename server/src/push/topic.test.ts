import { describe, expect, it } from 'vitest';
import { pushTopic, TOPIC_MAX_CHARS } from './topic.ts';

describe('pushTopic', () => {
  it('is at most 32 base64url characters, stable per conversation, distinct between conversations', () => {
    const ids = ['g:0190f3b2-7c1a-7000-8000-000000000001', 'a_b', 'x'.repeat(200)];
    for (const id of ids) {
      expect(pushTopic(id)).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
      expect(pushTopic(id).length).toBe(TOPIC_MAX_CHARS);
      expect(pushTopic(id)).toBe(pushTopic(id));
    }
    expect(new Set(ids.map(pushTopic)).size).toBe(ids.length);
  });
});
