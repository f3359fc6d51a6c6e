/**
 * Where a `SqlJsAdapter` keeps its database: the small contract every target implements
 * (memory, a file, IndexedDB). The adapter holds the live database in memory; a target
 * stores what the adapter commits and hands it back on the next open.
 *
 * The calls come in this order: one `open`, any number of `commit`s (never two at once),
 * one `close`.
 */
export interface Persistence {
  /** Names the place for messages: a file path, an IndexedDB name, `"memory"`. */
  readonly location: string;

  /**
   * Takes the writer lock and reads what is stored.
   *
   * @returns The stored SQLite image, or `null` when nothing is stored yet.
   * @throws `DatabaseLockedError` when another writer holds the place; `StorageError`
   *   naming the place when it cannot be read. Nothing is held after a throw.
   */
  open(): Promise<Uint8Array | null>;

  /**
   * Makes one committed change durable. Resolves only once a crash can no longer lose it.
   *
   * @param change - The change the adapter has just committed in memory.
   * @throws `StorageError` naming the place; what was durable before stays durable.
   */
  commit(change: CommittedChange): Promise<void>;

  /**
   * Flushes what is pending and releases the lock. Called once; never followed by `commit`.
   *
   * @param finalImage - The database as it is now, or `null` when the adapter failed and
   *   memory must not be trusted: then only the lock is released.
   */
  close(finalImage: (() => Uint8Array) | null): Promise<void>;
}

/** A change the adapter has committed in memory and asks its persistence to make durable. */
export interface CommittedChange {
  /** The whole database image after the change; computed only when called. */
  readonly snapshot: () => Uint8Array;
}
