import type { BlockList } from './blocks.ts';
import type { Contacts } from './contacts.ts';

/**
 * The one owner of "who may see whom": presence (`user-online`/`user-offline`,
 * `user-status`, the online flag in lists) and typing go only between people who share
 * a conversation, and never between two people when either has blocked the other.
 * Everything else (the directory search) shows no presence at all.
 */
export class Audience {
  constructor(
    readonly contacts: Contacts,
    readonly blocks: BlockList,
  ) {}

  /** May `viewer` see `subject`'s presence and typing? */
  async canSee(viewer: string, subject: string): Promise<boolean> {
    if (viewer === subject) return true;
    if (!(await this.contacts.share(viewer, subject))) return false;
    return !(await this.blocks.eitherWay(viewer, subject));
  }

  /**
   * `canSee` for two people known to share a conversation (the first message of their direct
   * conversation was just stored): only a block can say no. It reads no contact list: a list
   * expired since (the TTL, privacy/contacts.ts) would be read again from the store for nothing,
   * and on FerretDB that read scans the messages collection twice (store/mongo/contacts.ts): a
   * burst of new conversations 30 s after their users connected stalled two nodes (bench figure 8).
   */
  async canSeeContact(viewer: string, subject: string): Promise<boolean> {
    return viewer === subject || !(await this.blocks.eitherWay(viewer, subject));
  }

  /** The users who may see `subject`'s presence (their contacts minus blocks either way). */
  async watchersOf(subject: string): Promise<string[]> {
    const [peers, blocked, blockers] = await Promise.all([
      this.contacts.peersOf(subject),
      this.blocks.blockedBy(subject),
      this.blocks.blockersOf(subject),
    ]);
    return [...peers].filter((peer) => !blocked.has(peer) && !blockers.has(peer));
  }

  /** Of `subjects` (anyone), the ones `viewer` may see: contacts (a conversation or group shared) not blocked either way. */
  async visibleAmong(viewer: string, subjects: readonly string[]): Promise<Set<string>> {
    const contacts = await this.contacts.peersOf(viewer);
    return this.visibleAmongContacts(viewer, subjects.filter((s) => contacts.has(s)));
  }

  /** Of `subjects`, the ones `viewer` may see (all of them share a conversation with the viewer already). */
  async visibleAmongContacts(viewer: string, subjects: readonly string[]): Promise<Set<string>> {
    const [blocked, blockers] = await Promise.all([this.blocks.blockedBy(viewer), this.blocks.blockersOf(viewer)]);
    return new Set(subjects.filter((s) => !blocked.has(s) && !blockers.has(s)));
  }
}
