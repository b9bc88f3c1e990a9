/** What a write section is, for the order of the lane. */
export type SectionKind = 'send' | 'receipt';

/** Runs write sections of one process one at a time. */
export interface FairWriteLane {
  run<T>(kind: SectionKind, task: () => Promise<T>): Promise<T>;
}

interface Waiting {
  start: () => void;
}

/**
 * One section at a time, sends and receipts in two queues taking turns: when both have
 * sections waiting, the next is of the other kind than the one that just ran. A send
 * therefore waits behind one receipt section at most, however many receipts queued up.
 *
 * Why: on FerretDB a receipt section costs several collection scans (its filters reach no
 * index), and after a Redis restart or a node's death every device catches up at once and
 * answers with receipts. In one FIFO queue the sends that came in meanwhile waited behind
 * all of them: acks came in batches 6–13 s apart (finding C4 in docs/reliability.md).
 * Receipts still progress at one section per send batch when sends never stop.
 */
export class TakingTurnsLane implements FairWriteLane {
  private readonly queues: Record<SectionKind, Waiting[]> = { send: [], receipt: [] };
  private busy = false;
  private last: SectionKind = 'receipt';

  run<T>(kind: SectionKind, task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queues[kind].push({
        start: () => {
          this.last = kind;
          // Through a promise, so a task that throws before its first await cannot stall the lane.
          Promise.resolve()
            .then(task)
            .then(resolve, reject)
            .finally(() => {
              this.busy = false;
              this.next();
            });
        },
      });
      this.next();
    });
  }

  private next(): void {
    if (this.busy) return;
    const other: SectionKind = this.last === 'send' ? 'receipt' : 'send';
    const waiting = this.queues[other].shift() ?? this.queues[this.last].shift();
    if (!waiting) return;
    this.busy = true;
    waiting.start();
  }
}
