/**
 * The drainer sends outbox entries to the server, one lane per conversation.
 *
 * Lane state diagram (one lane = one conversation; the head is its oldest entry):
 *
 *            kick / wake                        ack ok: commit server copy + drop entry (1 tx)
 *   ┌──────┐ ────────────▶ ┌────────────┐ ─────────────────────────────────────┐
 *   │ idle │               │ pick route │                                      │
 *   └──────┘ ◀──────────── └────────────┘ ◀─────────────── next head ──────────┘
 *      ▲      outbox empty   │   │    │
 *      │                     │   │    └─ socket down < restFallbackAfterMs ─▶ ┌─────────┐
 *      │                     │   │                                           │ waiting │─ connect / timer ─▶ pick route
 *      │          socket up, │   └─ socket down longer, or ≥ N socket        └─────────┘
 *      │       < N failures  ▼        failures for this entry ▼
 *      │             ┌────────────────┐               ┌──────────────┐
 *      │             │ send-message   │               │ POST /api/   │
 *      │             │ (ack timeout)  │               │  messages    │
 *      │             └────────────────┘               └──────────────┘
 *      │                  │  failure (either transport) │
 *      │                  ▼                              ▼
 *      │   permanent (PERMANENT_SEND_ERRORS) → message `failed`, entry dropped → next head
 *      │   UNAUTHENTICATED (after the one refresh and retry of auth/token-recovery.ts):
 *      │     signed out → lane stops; still signed in (the refresh failed offline) → like transient
 *      └── transient (RATE_LIMITED, INTERNAL, timeout, network) → backoff(attempts) → waiting
 *
 * Why one lane per conversation, one request in flight per lane: the server assigns seq at
 * store time, so sending B before A's ack could store B first if A needed a retry. Waiting
 * for each answer keeps seq order = typing order. A retry reuses the clientId, so a send whose
 * ack was lost comes back as the already-stored message, never a second copy.
 *
 * Batches (up/batch.ts, #20): a head that is a plain message and has not failed before goes with
 * the plain messages right behind it in one `send-messages` (POST /api/messages/batch): the server
 * stores a prefix of it in order, so the lane commits the acked copies in one transaction, fails
 * the refused-for-good ones, and starts the next request at the first message without an answer;
 * a message the server could not take now is that entry's failed attempt, and a request failed as
 * a whole the head's. The "send-message" box below is then "send-messages", the ack its results.
 *
 * Group changes (entries with `op`) ride in the same lanes, so a rename, an addition or a message
 * reach the server in the order they were made; they go over REST (the contract has no socket
 * events for them) with the same outcomes. A group created here is a lane of its own local id
 * with the creation at its head: once the creation is stored, what queued behind it moves to the
 * server id's lane (local/rekey.ts), in the same order.
 *
 * Message actions (entries with `action`: react, edit, delete, hide) ride in the lane of their
 * target's conversation too, routed like sends (socket, REST fallback). Being behind the target's
 * own send in that lane is what lets an action on a pending message name it by server id: the id
 * is read from the row when the action reaches the head (up/actions.ts `resolveTarget`), as is a
 * reply's original. An action is refused for good also by CONFLICT (edit window closed, message
 * deleted): the row shows the server's state again with `actionError` (up/actions.ts `failAction`).
 * A head naming a row the device does not hold waits for the catch-up to bring it, and is reported
 * (`error` event) if it never comes (up/target-waits.ts; docs/sync-protocol.md).
 *
 * A mute (entries with `mute`, up/mutes.ts) rides in its chat's lane over REST; refused for good,
 * it is dropped and a catch-up (which fetches the server's mutes after it) shows the server's value.
 *
 * A profile change (entries with `profile`, up/profile.ts) rides in the user's own lane over REST,
 * uploading a new photo first like a message's files; refused for good, it is dropped (the row
 * shows the server's profile again) and reported.
 *
 * A message with files (entries with `uploads`) uploads them first (up/uploads.ts, over HTTP
 * whatever the route), then is sent naming the server's attachment ids. Both are one step of its
 * lane: a failed upload is retried with the same backoff and the messages behind it wait, a refusal
 * for good (too large, type refused) fails the message like a refused send.
 */
import { PigeonError } from '../../errors.ts';
import type { Message, SendMessageInput } from '../../model/message.ts';
import { backoffDelay, type BackoffOptions } from '../util/backoff.ts';
import { isLocalGroupId, messageKey, type GroupOp, type LocalDb, type OutboxEntry } from '../local/local-db.ts';
import { markFailed, recordAttemptFailure } from './outbox.ts';
import { failAction, isFinalActionError, resolveTarget } from './actions.ts';
import { Signal } from '../util/signal.ts';
import { UploadStopped } from './uploads.ts';
import { isMuteEntry, settleMute, type MuteEntry } from './mutes.ts';
import { isProfileEntry, type ProfileEntry } from './profile.ts';
import { SingleFlight } from '../util/single-flight.ts';
import { SEND_BATCH, type SendBatchResult } from '../../events/send-batch.ts';
import { batchable, pickBatch, splitResults, wholeBatchFailure, type BatchOutcome } from './batch.ts';
import { chooseRoute, classifySendError, sendInput, type RouteOptions } from './send-rules.ts';
import { TargetWaits } from './target-waits.ts';

export interface DrainerDeps {
  db: LocalDb;
  me: () => string | null;
  /** Leader, signed in, started, network allowed. */
  canDrain: () => boolean;
  socketConnected: () => boolean;
  /** How long the socket has been down (0 when connected). */
  socketDownForMs: () => number;
  /** Resolves with the stored message; the route was chosen by `chooseRoute`. */
  send: (input: SendMessageInput, via: 'socket' | 'rest') => Promise<Message>;
  /** Stores the server copy and drops the entry, in one transaction. */
  commit: (entry: OutboxEntry, message: Message) => Promise<void>;
  /** A batched send (up/batch.ts; transport `sendMessages`): results for a prefix of `inputs`. Without it (or commitMany), one at a time. */
  sendMany?: (inputs: SendMessageInput[], via: 'socket' | 'rest') => Promise<SendBatchResult[]>;
  /** Stores the server copies of a batch's acked messages and drops their entries, in one transaction. */
  commitMany?: (messages: Message[]) => Promise<void>;
  /**
   * Uploads the files of a message entry (up/uploads.ts) and resolves with their server ids in order;
   * `proceed` says whether to go on (checked before every request). Rejects with UploadStopped when it turned false.
   */
  upload?: (entry: OutboxEntry, proceed: () => boolean) => Promise<string[]>;
  /** Sends a group change (REST) and stores the answer, dropping the entry, in one transaction. */
  changeGroup: (entry: OutboxEntry & { op: GroupOp }) => Promise<void>;
  /** Sends a mute (REST) and stores the answer, dropping the entry. */
  mute?: (entry: MuteEntry) => Promise<void>;
  /** Uploads a new photo if any, sends a profile change (REST) and stores the answer, dropping the entry. */
  profile?: (entry: ProfileEntry, proceed: () => boolean) => Promise<void>;
  /** A profile change was refused for good: drop it, show the server's profile again, report it. */
  profileRefused?: (entry: ProfileEntry, error: PigeonError) => Promise<void>;
  /** Sends a message action (its target resolved) and stores the answer, dropping the entry, in one transaction. */
  act: (entry: OutboxEntry & { action: NonNullable<OutboxEntry['action']> }, via: 'socket' | 'rest') => Promise<void>;
  /** An action was refused for good: the row's server state may have moved on (deleted meanwhile); worth a catch-up. */
  actionRefused?: () => void;
  /** Catch-ups completed so far (a counter): an entry waits for its target until one completes after it began waiting. */
  catchUpsDone?: () => number;
  /** Asks for a catch-up (an entry's target is missing: the catch-up is what brings it). */
  requestCatchUp?: () => void;
  onError: (where: string, error: unknown) => void;
  backoff: BackoffOptions;
  route: RouteOptions;
  random?: () => number;
}

export class Drainer {
  private readonly lanes = new Map<string, Promise<void>>();
  private readonly signal = new Signal();
  /** Coalesces kicks: a busy outbox changes on every ack, one scan at a time is enough. */
  private readonly scan = new SingleFlight(() => this.startLanes());
  /** Bumped by every kick, so a lane that found its queue empty re-checks if a kick raced it. */
  private generation = 0;
  /**
   * Conversations a kick found with a lane still running. That lane may be one of the previous
   * account (awaiting a send when the next one signed in) about to stop on the change, leaving the
   * new account's entries there for some later kick (chaos soak seed 8008: 20 s on an online device).
   */
  private readonly passedOver = new Set<string>();
  /** Entries waiting for their target row (target-waits.ts). */
  private readonly targets: TargetWaits;

  constructor(private readonly deps: DrainerDeps) {
    this.targets = new TargetWaits({ ...deps, signal: this.signal });
  }

  /** Something changed (new entry, leadership, connection): start lanes for queued conversations. */
  kick(): void {
    this.generation++;
    if (!this.deps.canDrain()) return;
    void this.scan.request().catch((e) => this.deps.onError('drainer.kick', e));
  }

  /**
   * Wakes sleeping lanes now instead of at their deadline: the socket reconnected (retry
   * at once) or draining stopped (let them exit). Not called on every kick, or a busy
   * outbox would cut every backoff short.
   */
  wake(): void {
    this.signal.notify();
  }

  /** Resolves when every lane has stopped (after canDrain() turned false and wake()). */
  async idle(): Promise<void> {
    while (this.lanes.size > 0) await Promise.allSettled([...this.lanes.values()]);
  }

  private async startLanes(): Promise<void> {
    const conversationIds = (await this.deps.db.outbox.orderBy('conversationId').uniqueKeys()) as string[];
    for (const id of conversationIds) {
      if (!this.deps.canDrain()) continue;
      if (this.lanes.has(id)) {
        this.passedOver.add(id);
        continue;
      }
      const lane = this.runLane(id)
        .catch((e) => this.deps.onError('drainer.lane', e))
        .finally(() => {
          this.lanes.delete(id);
          // A kick found this lane running and started none; the lane may have stopped without
          // reading its queue again (the account changed under its send): the kick is owed now.
          if (this.passedOver.delete(id)) this.kick();
        });
      this.lanes.set(id, lane);
    }
  }

  private lane(conversationId: string) {
    return this.deps.db.outbox.where('[conversationId+localCreatedAt]').between([conversationId, -Infinity], [conversationId, Infinity]);
  }

  /** The lane's entries a batch may take (the head first): read only when the head could lead one. */
  private async run(entry: OutboxEntry): Promise<OutboxEntry[]> {
    if (!this.deps.sendMany || !this.deps.commitMany || !batchable(entry) || entry.attempts > 0) return [entry];
    const run = await this.lane(entry.conversationId).limit(SEND_BATCH.maxItems).toArray();
    return run[0]?.clientId === entry.clientId ? [entry, ...run.slice(1)] : [entry];
  }

  private async runLane(conversationId: string): Promise<void> {
    const { deps } = this;
    while (deps.canDrain()) {
      const generation = this.generation;
      const head = await this.lane(conversationId).first();
      if (!head) {
        if (generation !== this.generation) continue;
        return;
      }
      let { entry, missing } = await resolveTarget(deps.db, head);
      if (missing) {
        if (await this.targets.wait(entry)) continue;
        // Done waiting because a catch-up completed: it may have stored the row after the read
        // above (its count moves once its last page is stored), so read once more.
        ({ entry, missing } = await resolveTarget(deps.db, head));
        if (missing) {
          const kept = await this.targets.giveUp(entry);
          if (!kept) continue;
          entry = kept;
        }
      }
      const run = await this.run(entry);
      // Only the signed-in sender's entries: a tab that has not yet noticed another tab's account
      // switch must not send the next account's (restored) messages with its own token. No await
      // between here and the send, so the send goes out with the token of the entry's owner (and
      // auth/token-recovery.ts retries it only with a newer token of that same owner).
      const me = deps.me();
      if (!me || entry.key !== messageKey(me, entry.clientId)) return;
      // A message into a group created here whose creation is no longer ahead of it (refused, and
      // this message retried alone): there is no group to send it to yet.
      if (!entry.op && isLocalGroupId(entry.conversationId)) {
        if (isMuteEntry(entry)) await settleMute(deps.db, entry, null);
        else await (entry.action ? failAction : markFailed)(deps.db, entry, me, 'NOT_FOUND', 'the group was not created');
        continue;
      }
      const route = entry.op || entry.mute || entry.profile
        ? { via: 'rest' as const }
        : chooseRoute({ socketConnected: deps.socketConnected(), socketDownForMs: deps.socketDownForMs(), socketFailures: entry.socketFailures }, deps.route);
      if (route.via === 'wait') {
        await this.signal.wait(route.ms);
        continue;
      }
      let uploading = false;
      let via = route.via;
      try {
        if (entry.op) {
          await deps.changeGroup({ ...entry, op: entry.op });
          // A creation moved what queued behind it to the server id's lane: start that lane.
          if (entry.op.kind === 'create') this.kick();
        } else if (isMuteEntry(entry)) {
          await deps.mute?.(entry);
        } else if (isProfileEntry(entry)) {
          uploading = true;
          await deps.profile?.(entry, () => deps.canDrain() && deps.me() === me);
          uploading = false;
        } else if (entry.action) {
          await deps.act({ ...entry, action: entry.action }, route.via);
        } else {
          let attachmentIds: string[] | undefined;
          if (entry.uploads?.length && deps.upload) {
            uploading = true;
            attachmentIds = await deps.upload(entry, () => deps.canDrain() && deps.me() === me);
            uploading = false;
            // Checked with no await before the send, as above: it goes out with the owner's token.
            if (!deps.canDrain() || deps.me() !== me) return;
            // The socket may have gone down during a long upload; HTTP just worked.
            if (via === 'socket' && !deps.socketConnected()) via = 'rest';
          }
          const batch = attachmentIds ? [entry] : pickBatch(run, (e) => sendInput(e), (e) => e.key === messageKey(me, e.clientId));
          if (batch.length > 1) {
            const stopped = await this.sendBatch(batch, via, me);
            // The first message the server could not take now: handled below as that entry's failure.
            if (stopped) {
              entry = stopped.entry;
              throw stopped.error;
            }
            continue;
          }
          const message = await deps.send(sendInput(entry, attachmentIds), via);
          await deps.commit(entry, message);
        }
      } catch (e) {
        // The session changed while the send was out (a sign-out, maybe another account in): the entry
        // is parked with its owner, who sends it at their next sign-in; it is no longer this lane's.
        if (deps.me() !== me || e instanceof UploadStopped) return;
        const kind = entry.action && e instanceof PigeonError && isFinalActionError(e.code) ? 'permanent' : classifySendError(e);
        // A token the refresh could not replace: a sign-out stops the lane (canDrain turns false);
        // otherwise (the refresh failed on the network) it is retried like any transient failure.
        // The entry stays queued in both cases.
        if (kind === 'unauthenticated' && !deps.canDrain()) return;
        if (kind === 'permanent') {
          const err = e as PigeonError;
          if (isMuteEntry(entry)) {
            await settleMute(deps.db, entry, null);
            deps.requestCatchUp?.();
          } else if (isProfileEntry(entry)) {
            await deps.profileRefused?.(entry, err);
          } else if (entry.action) {
            await failAction(deps.db, entry, me, err.code, err.message);
            deps.actionRefused?.();
          } else await markFailed(deps.db, entry, me, err.code, err.message);
          continue;
        }
        if (!deps.canDrain()) return;
        if (!(e instanceof PigeonError)) deps.onError('drainer.send', e);
        // A failed upload is no failure of the socket: it does not push the message to REST.
        const updated = await recordAttemptFailure(deps.db, entry, via === 'socket' && !uploading, String((e as Error)?.message ?? e));
        if (updated) await this.signal.wait(backoffDelay(updated.attempts, deps.backoff, deps.random));
      }
    }
  }

  /**
   * One batch in flight (up/batch.ts): the acked prefix is committed in one transaction, refusals
   * for good fail their messages; what follows the first message the server could not take is
   * left queued, in order. A failure of the whole request fails the head (transient, wholeBatchFailure).
   */
  private async sendBatch(batch: OutboxEntry[], via: 'socket' | 'rest', me: string): Promise<BatchOutcome['stopped']> {
    const { deps } = this;
    const results = await deps.sendMany!(batch.map((e) => sendInput(e)), via).catch((e: unknown) => Promise.reject(wholeBatchFailure(e)));
    const outcome = splitResults(batch, results);
    if (outcome.acked.length > 0) await deps.commitMany!(outcome.acked.map((a) => a.message));
    for (const { entry, error } of outcome.refused) await markFailed(deps.db, entry, me, error.code, error.message);
    return outcome.stopped;
  }
}
