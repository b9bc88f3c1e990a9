/**
 * Drafts: what the user typed in a chat and has not sent, kept in the device's database so it
 * survives a reload, a closed tab and an app update (issue #19). One row per account and
 * conversation (`[owner+conversationId]`): owner-scoped like the files of unsent messages, so
 * another account signed in on the device never reads them (every read names the signed-in
 * owner), an account switch keeps them for the owner's return, and a sign-out with clearData
 * deletes the owner's (local/session.ts). An empty draft is no row.
 *
 * The app reads them synchronously: a chat's composer takes its text when it mounts, which may be
 * the first thing the page does after a reload (a chat opened from the URL). So the session's
 * drafts are read into memory when it starts, before `resume()` / `signIn()` resolve
 * (session-lifecycle.ts), and `loaded()` answers from there; `set()` changes memory at once and
 * writes through.
 */
import type { EngineDrafts } from '../api.ts';
import { draftsByConversation } from './conversation-view.ts';
import { isLocalGroupId, META, type LocalDb } from './local-db.ts';
import { signedInAs } from './session.ts';

/** `owner`'s drafts by conversation; a group's draft typed under its local id shows under its server id once known. */
export async function readDrafts(db: LocalDb, owner: string): Promise<Map<string, string>> {
  return db.transaction('r', [db.drafts, db.meta], async () => {
    const rows = await db.drafts.where('owner').equals(owner).toArray();
    const locals = [...new Set(rows.map((r) => r.conversationId).filter(isLocalGroupId))];
    const aliases = await db.meta.bulkGet(locals.map((id) => META.aliasPrefix + id));
    const alias = new Map(locals.map((id, i) => [id, aliases[i]?.value as string | undefined]));
    return draftsByConversation(rows, (id) => alias.get(id));
  });
}

/** Stores (or, empty, deletes) `owner`'s draft in a conversation; nothing once `owner` is no longer signed in. */
export async function writeDraft(db: LocalDb, owner: string, conversationId: string, text: string): Promise<boolean> {
  return db.transaction('rw', [db.drafts, db.meta], async () => {
    if (!(await signedInAs(db, owner))) return false;
    if (text) await db.drafts.put({ owner, conversationId, text });
    else await db.drafts.delete([owner, conversationId]);
    return true;
  });
}

/** The drafts of the session in use, read at its start (see the header). */
export class Drafts implements EngineDrafts {
  private owner: string | null = null;
  private memory = new Map<string, string>();

  constructor(
    private readonly db: LocalDb,
    private readonly me: () => string,
  ) {}

  /** Reads `owner`'s drafts into memory (the session starts). */
  async load(owner: string): Promise<void> {
    const drafts = await readDrafts(this.db, owner);
    this.owner = owner;
    this.memory = drafts;
  }

  /** The session ended: nothing of it stays in memory. */
  forget(): void {
    this.owner = null;
    this.memory = new Map();
  }

  loaded(): ReadonlyMap<string, string> {
    return new Map(this.memory);
  }

  all(): Promise<Map<string, string>> {
    return readDrafts(this.db, this.me());
  }

  async set(conversationId: string, text: string): Promise<void> {
    const owner = this.me();
    if (owner === this.owner) {
      if (text) this.memory.set(conversationId, text);
      else this.memory.delete(conversationId);
    }
    await writeDraft(this.db, owner, conversationId, text);
  }
}
