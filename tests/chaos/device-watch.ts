/**
 * What a device shows, watched live (actors.ts): one Dexie liveQuery per conversation of the world
 * (1:1 ones, and each group once its server id is known) over `engine.queries.messages`, for the
 * account signed in; each result goes to ShownMessages (shown.ts), which remembers what each account
 * was shown on this device. And the conversation list's peers, for presence (2-node checks).
 * Renewed at every sign-in and reload; results of a replaced watch are ignored.
 */
import { liveQuery } from 'dexie';
import type { SyncEngine } from '../../sync-protocol/src/engine/api.ts';
import type { Account, DeviceOptions } from './actors.ts';
import type { ShownMessages } from './shown.ts';

/** Far more than a run holds: the observers want whole conversations, not the newest page. */
const ALL = 1_000_000;

export interface DeviceWatchOptions extends Pick<DeviceOptions, 'name' | 'history' | 'conversationIds' | 'groupIds' | 'onView'> {
  shown: ShownMessages;
  /** The device's engine is still this one (a query error on a closed one is expected). */
  isCurrent: (engine: SyncEngine) => boolean;
}

export class DeviceWatch {
  /** The live queries of the signed-in account, renewed at every sign-in. */
  private subscriptions: (() => void)[] = [];
  /** Bumped at every start(): results of live queries that were replaced are ignored. */
  private generation = 0;
  /** The live queries of the current sign-in, for group(). */
  private watching: { engine: SyncEngine; account: Account; generation: number; epoch: number; ids: Set<string> } | null = null;

  constructor(private readonly o: DeviceWatchOptions) {}

  /**
   * One live query per conversation, for the account signed in; each result is compared with
   * what was shown to that account before — in this sign-in (`epoch`), or an earlier one on this device.
   */
  start(engine: SyncEngine, account: Account, epoch: number): void {
    const generation = ++this.generation;
    this.presence(engine, generation);
    this.watching = { engine, account, generation, epoch, ids: new Set() };
    for (const id of [...this.o.conversationIds(), ...(this.o.groupIds?.() ?? [])]) this.group(id);
  }

  /** Watches one more conversation in the current sign-in (a group whose server id the world just learned). */
  group(conversationId: string): void {
    const w = this.watching;
    if (!w || w.generation !== this.generation || w.ids.has(conversationId)) return;
    w.ids.add(conversationId);
    const { engine, account, generation, epoch } = w;
    const sub = liveQuery(() => engine.queries.messages(conversationId, ALL)).subscribe({
      next: (list) => {
        if (this.generation === generation) this.o.shown.compare(account.id, account.username, conversationId, list, epoch);
      },
      error: (err: unknown) => {
        // A closed database during reload is expected; anything else is worth a line.
        if (this.o.isCurrent(engine)) this.o.history.add('query-error', `${this.o.name} ${conversationId} ${String(err)}`);
      },
    });
    this.subscriptions.push(() => sub.unsubscribe());
  }

  /** Ends every live query (a sign-out, a close). */
  stop(): void {
    for (const unsubscribe of this.subscriptions.splice(0)) unsubscribe();
  }

  /** The conversation list's peers and whether each shows online: what a person sees of presence. */
  private presence(engine: SyncEngine, generation: number): void {
    const onView = this.o.onView;
    if (!onView) return;
    onView({ kind: 'reset', why: 'new view' });
    const sub = liveQuery(() => engine.queries.conversations()).subscribe({
      next: (list) => {
        if (this.generation !== generation) return;
        for (const { peer } of list) if (peer) onView({ kind: 'presence', peer: peer.id, online: peer.online === true });
      },
      error: () => {},
    });
    this.subscriptions.push(() => sub.unsubscribe());
  }
}
