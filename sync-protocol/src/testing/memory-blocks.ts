/**
 * Blocks on the in-memory server, with the real server's rules (docs/api.md, "Who sees whose
 * presence and typing"): a block is one-way to set and lift, but it separates both people —
 * sends either way are FORBIDDEN and neither sees the other's presence or typing.
 */
export class MemoryBlocks {
  /** blocker → the users they blocked. */
  private readonly lists = new Map<string, Set<string>>();

  block(blocker: string, target: string): void {
    const list = this.lists.get(blocker) ?? new Set<string>();
    list.add(target);
    this.lists.set(blocker, list);
  }

  unblock(blocker: string, target: string): void {
    this.lists.get(blocker)?.delete(target);
  }

  /** The users `blocker` blocked. */
  blockedBy(blocker: string): string[] {
    return [...(this.lists.get(blocker) ?? [])];
  }

  /** Whether either has blocked the other. */
  between(a: string, b: string): boolean {
    return (this.lists.get(a)?.has(b) ?? false) || (this.lists.get(b)?.has(a) ?? false);
  }
}
