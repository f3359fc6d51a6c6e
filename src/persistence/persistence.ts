/**
 * Where a `SqlJsAdapter` keeps its database: the small contract every target implements
 * (memory, a file, IndexedDB). The adapter holds the live database in memory. A target
 * stores a snapshot (a whole SQLite image) and, optionally, a journal of the changes
 * committed since: each change is a {@link JournalEntry}, appended durably before it is
 * acknowledged, and replayed by the adapter on the next open.
 *
 * The calls come in this order: one `open`; then `append` and `checkpoint`, never two at
 * once (but see {@link Persistence.appendsDuringCheckpoint}); one `close`.
 */
export interface Persistence {
  /** Names the place for messages: a file path, an IndexedDB name, `"memory"`. */
  readonly location: string;

  /**
   * The place is only read: `open` takes no lock and changes nothing, there is no `append`,
   * and the adapter refuses every change and never checkpoints.
   */
  readonly readOnly?: boolean;

  /**
   * `true` when `append` may be called while a `checkpoint` is under way (never two appends
   * at once, nor two checkpoints): the snapshot holds every entry appended before the
   * `checkpoint` call, and the journal keeps those appended after it. The adapter then
   * writes checkpoints without holding saves back for the length of the write.
   */
  readonly appendsDuringCheckpoint?: boolean;

  /**
   * Takes the writer lock and reads what is stored.
   *
   * @returns The snapshot (`null` when nothing is stored yet) and the journal entries
   *   written after it, oldest first. A torn last entry (never acknowledged) is left out,
   *   and cleared away by the first append or checkpoint.
   * @throws `DatabaseLockedError` when another writer holds the place; `StorageError` or
   *   `CorruptDatabaseError` naming the place (and offset) when it cannot be read. Nothing
   *   is held, and nothing is changed, after a throw.
   */
  open(): Promise<StoredDatabase>;

  /**
   * Appends entries to the journal and resolves once they are durable (one sync for all).
   * Absent when the target keeps no journal: then every commit is a checkpoint.
   *
   * @param entries - Committed changes, in sequence order.
   * @throws `StorageError` naming the place; what was durable before stays durable.
   */
  append?(entries: readonly JournalEntry[]): Promise<void>;

  /**
   * Whether the adapter should checkpoint: the journal has outgrown its threshold, or it
   * holds what only a checkpoint clears away (records the snapshot already has, a torn
   * tail). Until then, nothing found at `open` is changed.
   */
  wantsCheckpoint?(): boolean;

  /**
   * Whether the journal was lost (deleted, replaced) and could not be written again where
   * it belongs, so that entries it acknowledged are kept by nothing but the process: the
   * adapter then writes a last snapshot before it closes. Absent when that cannot happen.
   */
  journalLost?(): boolean;

  /**
   * Replaces the snapshot with one holding every entry appended so far, then empties the
   * journal (of those entries: with `appendsDuringCheckpoint`, entries appended since the
   * call stay). Crash-safe at every step: the old snapshot and journal stay usable until the
   * new snapshot is durable, and entries the new snapshot already holds are skipped by
   * sequence on the next open.
   *
   * @param snapshot - The whole database image.
   * @throws `StorageError` naming the place; nothing durable is lost.
   */
  checkpoint(snapshot: Uint8Array): Promise<void>;

  /**
   * Writes a checkpoint as `checkpoint` does, but rebuilds its snapshot itself, away from
   * the caller's thread, from what it stores: its snapshot with its journal's entries up to
   * `sequence` redone. The adapter then takes no image of its own database, which at 200 MB
   * holds its thread for a quarter of a second. Called, like `checkpoint`, once every entry
   * up to `sequence` is durable, and as `checkpoint` is with `appendsDuringCheckpoint`.
   *
   * @param sequence - The last entry the snapshot must hold: the last one appended.
   * @returns `undefined`, having done nothing, when it cannot now (the adapter then calls
   *   `checkpoint` with an image); otherwise the checkpoint under way.
   * @throws (the promise) `StorageError` naming the place; nothing durable is lost.
   */
  checkpointFromStored?(sequence: number): Promise<void> | undefined;

  /**
   * Where several contexts of one origin open the place at once (the IndexedDB target in a
   * browser): how they meet. Absent, or `undefined`, where a second opener is refused.
   */
  shared?(): SharedPlace | undefined;

  /** Releases the lock (and any open file). Called once, last. */
  close(): Promise<void>;
}

/**
 * A place that several contexts (tabs, workers, extension pages) open at once: the one
 * holding its writer lock writes, the others ask it to.
 */
export interface SharedPlace {
  /** The place's name, the same in every context: what they meet under. */
  readonly name: string;
  /**
   * The same target again, for a context that would be the writer.
   *
   * @param waitUntil - Absent: `open` takes the writer lock only when it is free, refusing
   *   with `DatabaseLockedError` at once otherwise. Given: `open` waits for the lock, and
   *   refuses once the signal aborts.
   * @returns A persistence on the same place, not yet open.
   */
  forWriter(waitUntil?: AbortSignal): Persistence;
  /**
   * Connects to the place's relay, which hands a follower a direct line (a `MessagePort`) to
   * the writer: calls then cross between the two contexts in one hop instead of through
   * the channel's hub.
   *
   * @returns The port to the relay; `undefined`, or absent, where no relay can start: the
   *   contexts then talk over the channel alone.
   */
  relay?(): MessagePort | undefined;
}

/** What {@link Persistence.open} found. */
export interface StoredDatabase {
  /**
   * The SQLite image of the last checkpoint, or `null` when there is none. Zeros may follow
   * the pages its header counts: room for the engine to grow into without copying it.
   * The bytes are the adapter's from then on (its engine keeps and writes to them): a target
   * must not hand over an array it keeps.
   */
  readonly snapshot: Uint8Array | null;
  /** The entries appended since (entries the snapshot already holds may be among them). */
  readonly journal: readonly JournalEntry[];
}

/** A value bound to a journaled statement. */
export type StoredValue = string | number | bigint | Uint8Array | null;

/** One committed transaction: what to run again, in order, to redo it. */
export interface JournalEntry {
  /** Its place in the database's history: 1, 2, 3, ... with no gaps. */
  readonly sequence: number;
  /** Its statements with their bound parameters. */
  readonly statements: readonly JournalStatement[];
}

/** One statement of a {@link JournalEntry}. */
export interface JournalStatement {
  /** The statement's SQL, as it was run. */
  readonly sql: string;
  /** The values bound to its `?` placeholders, in order. */
  readonly params: readonly StoredValue[];
}
