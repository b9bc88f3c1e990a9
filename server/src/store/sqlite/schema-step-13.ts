/**
 * Version 13: the version of each user's profile (store.ts UserRecord.profileVersion), raised by
 * one in each profile change's own commit (profiles.ts). Devices keep the copy of a user with the
 * higher version, so a copy that reaches them late (an event overtaken by a later answer, a list
 * fetched before a change) no longer undoes a newer one. Existing users start at 0.
 */
export const TABLES_V13 = `
  ALTER TABLE users ADD COLUMN profile_version INTEGER NOT NULL DEFAULT 0;
`;
