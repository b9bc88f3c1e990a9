/**
 * Version 12: the recipient's own feed position of a 1:1 message (issue #20; store.ts FeedOptions).
 *
 * `recipient_pos` is the change position of the message's last change other than its `delivered`
 * marking: its insert, its read marking, an action. A catch-up that opts out of its user's own
 * delivered changes reads the user's incoming messages by it (messages_recipient_feed), so the
 * receipts a device sends for a page it stored do not bring that page back on the next one.
 * Existing rows take their change position: a row delivered before the upgrade comes once more to
 * an opted-in feed that had passed its insert, never less. Group messages (recipient 0) keep null:
 * their feed is the group's range, by change_pos.
 */
export const TABLES_V12 = `
  ALTER TABLE messages ADD COLUMN recipient_pos INTEGER;
  UPDATE messages SET recipient_pos = change_pos WHERE recipient <> 0;
  CREATE INDEX messages_recipient_feed ON messages (recipient, recipient_pos);
`;
