/** What one `PRAGMA wal_checkpoint(PASSIVE)` reports: WAL frames, and how many of them are in the main file now. */
export interface CheckpointRound {
  busy: boolean;
  walFrames: number;
  checkpointed: number;
}

export interface Checkpointer {
  round(): CheckpointRound;
  close(): void;
}

/** A second connection to a store file that only runs PASSIVE checkpoints (see checkpointer.mjs). */
export function openCheckpointer(file: string): Checkpointer;
