/**
 * The rules of the profile form (#19 item 12), pure so they are unit-tested: what the user typed,
 * checked as the server will check it (the same limits, counted in code points after trimming,
 * no bidi controls), and the change to hand to engine.updateProfile (only what differs).
 */
import { hasBidiControl, isInlineImage, LIMITS, type User } from '@pigeon/sync-protocol';

/** A form error as an i18n key under `profile.settings.errors` and its values. */
export interface FormError {
  field: 'name' | 'about' | 'photo';
  key: 'nameEmpty' | 'nameTooLong' | 'aboutTooLong' | 'bidi' | 'notImage';
  values?: Record<string, number>;
}

/** Code points, as the server counts (an emoji is one, not two UTF-16 units). */
export const codePoints = (s: string): number => [...s].length;

export function checkProfileForm(name: string, about: string): FormError | null {
  const n = name.trim();
  if (n.length === 0) return { field: 'name', key: 'nameEmpty' };
  if (codePoints(n) > LIMITS.displayNameMax) return { field: 'name', key: 'nameTooLong', values: { max: LIMITS.displayNameMax } };
  if (hasBidiControl(n)) return { field: 'name', key: 'bidi' };
  const a = about.trim();
  if (codePoints(a) > LIMITS.aboutMax) return { field: 'about', key: 'aboutTooLong', values: { max: LIMITS.aboutMax } };
  if (hasBidiControl(a)) return { field: 'about', key: 'bidi' };
  return null;
}

/** A picked file that can be a photo (the server keeps raster images only). */
export function checkPhoto(file: { type: string }): FormError | null {
  return isInlineImage(file.type) ? null : { field: 'photo', key: 'notImage' };
}

/** What changed: `photo` a new file, null to remove, absent to keep. Null when nothing did. */
export function profileChange(
  user: Pick<User, 'displayName' | 'about' | 'avatar'>,
  form: { name: string; about: string; photo: File | Blob | null | undefined },
): { displayName?: string; about?: string; avatar?: { blob: Blob; name: string } | null } | null {
  const change: { displayName?: string; about?: string; avatar?: { blob: Blob; name: string } | null } = {};
  if (form.name.trim() !== user.displayName) change.displayName = form.name.trim();
  if (form.about.trim() !== (user.about ?? '')) change.about = form.about.trim();
  if (form.photo === null && user.avatar) change.avatar = null;
  else if (form.photo) change.avatar = { blob: form.photo, name: 'name' in form.photo ? form.photo.name : 'photo' };
  return Object.keys(change).length > 0 ? change : null;
}
