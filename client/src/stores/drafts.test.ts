import { describe, expect, it } from 'vitest';
import { draftOf, moveDraft, saveDraft, takeFocus } from './drafts.ts';

describe('drafts', () => {
  it('keeps one draft per conversation; an empty text removes it', () => {
    saveDraft('a', 'hello');
    saveDraft('b', 'other');
    expect(draftOf('a')).toBe('hello');
    saveDraft('a', '');
    expect(draftOf('a')).toBe('');
    expect(draftOf('b')).toBe('other');
  });

  it('moveDraft: a group re-opened under its server id keeps what was typed under its local id, and the focus once', () => {
    saveDraft('local:1', 'half typed');
    moveDraft('local:1', 'g:1', true);
    expect(draftOf('g:1')).toBe('half typed');
    expect(draftOf('local:1')).toBe('');
    expect(takeFocus('g:1')).toBe(true);
    expect(takeFocus('g:1')).toBe(false);
  });

  it('moveDraft without a draft or focus moves nothing', () => {
    moveDraft('local:2', 'g:2', false);
    expect(draftOf('g:2')).toBe('');
    expect(takeFocus('g:2')).toBe(false);
  });
});
