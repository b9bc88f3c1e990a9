/**
 * User Timing marks for the two moments a user waits for: the cached conversation list after a
 * page load, and a conversation after clicking it. They show in DevTools (Performance panel,
 * "Timings" track) and are what bench/figures/client.ts reads, so the bench and the app agree on
 * what "painted" means. See docs/client.md ("Performance marks").
 *
 * No Vue and no side effects on import: the bench imports the names from Node.
 */

export const MARK = {
  /** The entry chunk starts executing (after download and parse, before Vue, Dexie and the engine run). */
  boot: 'pigeon:boot',
  /** engine.resume() settled: the local session and database were read (signed in or not). */
  resumed: 'pigeon:resumed',
  /**
   * First frame with conversations in the list has been rendered: the cached list's first paint
   * (boot/first-paint.ts) or, without one, the messenger's. Once per page load.
   */
  listRendered: 'pigeon:list-rendered',
  /** First frame of the messenger's own list (the engine running, the list following the database). Once per page load. */
  listLive: 'pigeon:list-live',
  /** The user asked for a conversation (click in the app, or back/forward to a chat URL). */
  chatOpen: 'pigeon:chat-open',
  /** First frame showing the conversation asked for with its newest messages has been rendered. Once per chat-open. */
  chatRendered: 'pigeon:chat-rendered',
} as const;

export const MEASURE = {
  /** Navigation start (time origin) → pigeon:list-rendered. */
  navigationToList: 'pigeon:navigation-to-list',
  /** Navigation start (time origin) → pigeon:list-live. */
  navigationToLiveList: 'pigeon:navigation-to-live-list',
  /** pigeon:chat-open → pigeon:chat-rendered. */
  chatOpenToRendered: 'pigeon:chat-open-to-rendered',
} as const;

export type MarkName = (typeof MARK)[keyof typeof MARK];
export type MeasureName = (typeof MEASURE)[keyof typeof MEASURE];

/** `detail` of pigeon:chat-open and pigeon:chat-rendered. */
export interface ChatMarkDetail {
  conversationId: string;
}
/** `detail` of pigeon:list-rendered. */
export interface ListMarkDetail {
  conversations: number;
  /** What drew it: the list snapshot (boot/paint-list-snapshot.ts), the first paint from the database, or the messenger. */
  source: ListSource;
}
export type ListSource = 'snapshot' | 'first-paint' | 'messenger';
/** `detail` of pigeon:resumed. */
export interface ResumedMarkDetail {
  signedIn: boolean;
}

// Timing must never break the app: a runtime without User Timing (or a DOM) just records nothing.
const perf: Performance | null = typeof performance !== 'undefined' && typeof performance.mark === 'function' ? performance : null;

function mark(name: MarkName, detail?: unknown): void {
  try {
    perf?.mark(name, detail === undefined ? undefined : { detail });
  } catch {
    // e.g. a detail the structured clone rejects; losing a mark is better than losing a render.
  }
}

function measure(name: MeasureName, start: MarkName | 0, end: MarkName): void {
  try {
    perf?.measure(name, { start, end });
  } catch {
    // The start mark may be missing (cleared by someone calling performance.clearMarks()).
  }
}

/** Whether a paint can be waited for here (requestAnimationFrame and MessageChannel); elsewhere afterNextPaint skips its callback. */
export function canAwaitPaint(): boolean {
  return typeof requestAnimationFrame === 'function' && typeof MessageChannel === 'function';
}

/** afterNextPaint for work that must happen anyway (a read mark): where no paint can be waited for, it runs at once. */
export function afterNextPaintOrNow(callback: () => void, priority: AfterPaintPriority = 'user-blocking'): void {
  if (canAwaitPaint()) afterNextPaint(callback, priority);
  else callback();
}

/**
 * 'user-blocking': the first task after the frame (a mark saying when it was painted). 'user-visible':
 * work the frame did not wait for (rows beyond the view, a read receipt), queued behind the
 * user-blocking tasks: posted from the same frame's rAF before a mark, it ran first and the mark
 * came one task late (an overscan step of 5–12 ms, in figure 5's open; #20).
 */
export type AfterPaintPriority = 'user-blocking' | 'user-visible';

/**
 * Runs `callback` once the next frame has been rendered. rAF runs just *before* a frame's style,
 * layout and paint; a task posted from it runs after that work. Hidden tabs get no frames, so
 * nothing is marked until the page is visible (nothing was painted either).
 */
export function afterNextPaint(callback: () => void, priority: AfterPaintPriority = 'user-blocking'): void {
  if (!canAwaitPaint()) return;
  requestAnimationFrame(() => firstTaskAfter(callback, priority));
}

interface PostingScheduler {
  postTask(callback: () => void, options: { priority: AfterPaintPriority }): Promise<unknown>;
}

/**
 * `callback` in a task ahead of the tasks already queued where the browser can (scheduler.postTask,
 * 'user-blocking'), else in a MessageChannel message, behind them. Posted from rAF, it is the first
 * task after the frame: a mark made there says when the frame was painted. Behind the queue (the
 * engine's timers and IndexedDB answers), pigeon:chat-rendered came 30–50 ms after the frame that
 * showed the chat, in traces of figure 5 (#20).
 */
export function firstTaskAfter(callback: () => void, priority: AfterPaintPriority = 'user-blocking'): void {
  const scheduler = (globalThis as { scheduler?: Partial<PostingScheduler> }).scheduler;
  if (typeof scheduler?.postTask === 'function') {
    // A callback that throws rejects the task's promise: thrown again as the message's would be.
    scheduler.postTask(callback, { priority }).catch((e: unknown) => setTimeout(() => { throw e; }));
    return;
  }
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    channel.port1.close();
    callback();
  };
  channel.port2.postMessage(null);
}

let booted = false;
let resumed = false;
/**
 * pigeon:list-rendered is made once per page, by whichever draws a list first. The list snapshot's
 * script (boot/show-list-snapshot.ts) is a bundle apart from the entry, with its own copy of this
 * module: the flag is kept where both see it, on the global object under a registered symbol.
 */
const LIST_SCHEDULED = Symbol.for('pigeon:list-rendered-scheduled');
const shared = globalThis as { [LIST_SCHEDULED]?: boolean };
let liveScheduled = false;
/** The conversation of the last pigeon:chat-open still waiting for its pigeon:chat-render. */
let openingChat: string | null = null;

export function markBoot(): void {
  if (booted) return;
  booted = true;
  mark(MARK.boot);
}

export function markResumed(signedIn: boolean): void {
  if (resumed) return;
  resumed = true;
  mark(MARK.resumed, { signedIn } satisfies ResumedMarkDetail);
}

/** Call when the DOM first shows conversations; marks after that frame is painted, once per page. */
export function listShown(conversations: number, source: ListSource): void {
  if (shared[LIST_SCHEDULED]) return;
  shared[LIST_SCHEDULED] = true;
  afterNextPaint(() => {
    mark(MARK.listRendered, { conversations, source } satisfies ListMarkDetail);
    measure(MEASURE.navigationToList, 0, MARK.listRendered);
  });
}

/** Call when the messenger's live list first shows conversations; marks after that frame is painted, once per page. */
export function liveListShown(conversations: number): void {
  if (liveScheduled) return;
  liveScheduled = true;
  afterNextPaint(() => {
    mark(MARK.listLive, { conversations, source: 'messenger' } satisfies ListMarkDetail);
    measure(MEASURE.navigationToLiveList, 0, MARK.listLive);
  });
}

/** Call when the user asks for a conversation, before anything renders it. */
export function chatOpening(conversationId: string): void {
  openingChat = conversationId;
  mark(MARK.chatOpen, { conversationId } satisfies ChatMarkDetail);
}

/**
 * Call when the DOM shows this conversation's first page of messages (the newest ones). Marks after
 * that frame is painted, only if it is still the conversation last asked for (a quick second click
 * supersedes the first), and once per pigeon:chat-open.
 */
export function chatShown(conversationId: string): void {
  if (openingChat !== conversationId) return;
  afterNextPaint(() => {
    if (openingChat !== conversationId) return;
    openingChat = null;
    mark(MARK.chatRendered, { conversationId } satisfies ChatMarkDetail);
    measure(MEASURE.chatOpenToRendered, MARK.chatOpen, MARK.chatRendered);
  });
}
