import { describe, expect, it } from 'vitest';
import { checkPhoto, checkProfileForm, codePoints, profileChange } from './profile-form.ts';

describe('profile form', () => {
  it('checks the name and about line as the server does: trimmed, code points, no bidi controls', () => {
    expect(checkProfileForm('Ada', '')).toBeNull();
    expect(checkProfileForm('   ', '')).toMatchObject({ field: 'name', key: 'nameEmpty' });
    expect(checkProfileForm('x'.repeat(65), '')).toMatchObject({ field: 'name', key: 'nameTooLong', values: { max: 64 } });
    expect(checkProfileForm('😀'.repeat(64), '')).toBeNull(); // 64 code points, 128 UTF-16 units
    expect(checkProfileForm('a\u202Eb', '')).toMatchObject({ field: 'name', key: 'bidi' });
    expect(checkProfileForm('Ada', 'x'.repeat(141))).toMatchObject({ field: 'about', key: 'aboutTooLong', values: { max: 140 } });
    expect(checkProfileForm('Ada', ` ${'x'.repeat(140)} `)).toBeNull();
    expect(checkProfileForm('Ada', 'a\u2066b')).toMatchObject({ field: 'about', key: 'bidi' });
    expect(codePoints('é😀')).toBe(2);
  });

  it('a photo must be a raster image', () => {
    expect(checkPhoto({ type: 'image/jpeg' })).toBeNull();
    expect(checkPhoto({ type: 'image/svg+xml' })).toMatchObject({ key: 'notImage' });
    expect(checkPhoto({ type: 'application/pdf' })).toMatchObject({ key: 'notImage' });
  });

  it('hands over only what changed', () => {
    const user = { displayName: 'Ada', about: 'hi', avatar: { id: 'a1', preview: null } };
    expect(profileChange(user, { name: ' Ada ', about: 'hi', photo: undefined })).toBeNull();
    expect(profileChange(user, { name: 'Ada L', about: 'hi', photo: undefined })).toEqual({ displayName: 'Ada L' });
    expect(profileChange(user, { name: 'Ada', about: '', photo: null })).toEqual({ about: '', avatar: null });
    const blob = new Blob(['x'], { type: 'image/png' });
    expect(profileChange({ ...user, avatar: null }, { name: 'Ada', about: 'hi', photo: null })).toBeNull();
    expect(profileChange(user, { name: 'Ada', about: 'hi', photo: blob })).toEqual({ avatar: { blob, name: 'photo' } });
  });
});
