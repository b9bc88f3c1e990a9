/**
 * Version 11: profiles (#19 item 12; store.ts updateProfile). Each user gets an "about" line and
 * a photo: the id of one of their own image uploads (attachments.id) and its ThumbHash, copied
 * from the attachment so that every list of users reads one row per user, no join.
 *
 * users_avatar serves the two questions asked of an attachment id: is it someone's photo (the
 * sweep keeps it, attachments.ts; a send may not carry it) — a partial index, since most users
 * have none. Existing users get no photo and an empty about line.
 */
export const TABLES_V11 = `
  ALTER TABLE users ADD COLUMN about TEXT NOT NULL DEFAULT '';
  ALTER TABLE users ADD COLUMN avatar_attachment_id TEXT;   -- attachments.id, the uploader's own
  ALTER TABLE users ADD COLUMN avatar_preview TEXT;         -- that attachment's preview (ThumbHash)
  CREATE INDEX users_avatar ON users (avatar_attachment_id) WHERE avatar_attachment_id IS NOT NULL;
`;
