/**
 * Accounts of the in-memory server. Usernames are unique (lower-cased by the shared
 * schema). Passwords are kept as given: this is test data. Sessions and tokens are
 * memory-sessions.ts's.
 */
import { LIMITS } from '../limits.ts';
import type { User } from '../model/user.ts';
import type { RegisterBody } from '../rest/auth.ts';
import { fail } from './fail.ts';

export type Profile = Omit<User, 'online'>;

export class MemoryAccounts {
  private readonly accounts = new Map<string, { profile: Profile; password: string }>();

  /** Creates an account; USERNAME_TAKEN when the name exists. Returns its id. */
  create(body: RegisterBody): string {
    if (this.findByName(body.username)) throw fail('USERNAME_TAKEN', 'username is taken');
    const id = `user-${this.accounts.size + 1}`;
    const profile: Profile = { id, username: body.username, displayName: body.displayName ?? body.username, lastSeen: null, about: '', avatar: null, profileVersion: 0 };
    this.accounts.set(id, { profile, password: body.password });
    return id;
  }

  /** The account's id; INVALID_CREDENTIALS for an unknown name or a wrong password alike. */
  verify(username: string, password: string): string {
    const account = this.findByName(username);
    if (!account || account.password !== password) throw fail('INVALID_CREDENTIALS', 'wrong username or password');
    return account.profile.id;
  }

  has(userId: string): boolean {
    return this.accounts.has(userId);
  }

  profile(userId: string): Profile | undefined {
    const account = this.accounts.get(userId);
    return account && { ...account.profile };
  }

  /** Profile fields (memory-profiles.ts), already validated; the version rises when one changes, as on the server. */
  update(userId: string, fields: Partial<Pick<Profile, 'displayName' | 'about' | 'avatar'>>): void {
    const account = this.accounts.get(userId);
    if (!account) return;
    const before = account.profile;
    const changed =
      (fields.displayName !== undefined && fields.displayName !== before.displayName) ||
      (fields.about !== undefined && fields.about !== before.about) ||
      (fields.avatar !== undefined && (fields.avatar?.id ?? null) !== (before.avatar?.id ?? null));
    if (changed) Object.assign(before, fields, { profileVersion: (before.profileVersion ?? 0) + 1 });
  }

  setLastSeen(userId: string, at: string): void {
    const account = this.accounts.get(userId);
    if (account) account.profile.lastSeen = at;
  }

  /** Prefix match on username or display name, case-insensitive, ordered by username, never `exceptId`. */
  search(query: string, exceptId: string): string[] {
    const prefix = query.toLowerCase();
    return [...this.accounts.values()]
      .map((a) => a.profile)
      .filter((p) => p.id !== exceptId && (p.username.startsWith(prefix) || p.displayName.toLowerCase().startsWith(prefix)))
      .sort((a, b) => (a.username < b.username ? -1 : 1))
      .slice(0, LIMITS.userSearchMax)
      .map((p) => p.id);
  }

  private findByName(username: string) {
    return [...this.accounts.values()].find((a) => a.profile.username === username);
  }
}
