/**
 * What the journaled targets (a file, IndexedDB) share, so that each target's own file
 * holds only its I/O: the writer lock held from `open` to `close`, taken before anything
 * is read and let go again when the open fails; the checkpoint policy; and the wrapping of
 * what the storage throws into the package's errors.
 */
import { isNegotiationError } from "../errors/negotiation-error.js";
import type { StorageError } from "./errors.js";
import { storageFailure } from "./storage-failure.js";

/** A writer lock, held by one writer at a time, from its `open` to its `close`. */
export interface WriterLock {
  /**
   * Lets the lock go, so that another writer can take it; idempotent.
   *
   * @throws `StorageError` when it cannot be let go.
   */
  release(): Promise<void>;
}

/**
 * The state every journaled target keeps besides its I/O, and the steps they take alike.
 *
 * The checkpoint policy: a target asks for a checkpoint once the journal's records written
 * since the last snapshot reach `checkpointBytes`, or when its `open` found anything in the
 * journal at all (records a snapshot should fold in, or bytes only a checkpoint clears
 * away). A checkpoint that empties the journal starts the count again.
 *
 * @typeParam TLock - The target's lock: a file lock, a Web Lock.
 * @example
 * const target = new JournaledTarget<WriterLock>("indexeddb:negotiations", 16 * 1024 * 1024);
 * const stored = await target.open(takeWebLock, readStores, closeConnection);
 * target.wantsCheckpoint(); // true when the journal held records at open
 *
 * @internal
 */
export class JournaledTarget<TLock extends WriterLock> {
  /** Names the stored database in messages: a file path, `indexeddb:<name>`. */
  readonly location: string;
  readonly #checkpointBytes: number;
  readonly #describe: ((cause: unknown) => string) | undefined;
  #recordBytes = 0;
  #leftovers = false;
  #lock: TLock | undefined;

  /**
   * Makes the state of a target that is not open yet.
   *
   * @param location - Names the stored database in messages.
   * @param checkpointBytes - The journal size, in bytes, at which a checkpoint is due.
   * @param describe - Says why from what the storage threw, in messages; its message by
   *   default ({@link storageFailure}).
   */
  constructor(location: string, checkpointBytes: number, describe?: (cause: unknown) => string) {
    this.location = location;
    this.#checkpointBytes = checkpointBytes;
    this.#describe = describe;
  }

  /** The writer lock while open; `undefined` before `open`, after a failed one, after `close`. */
  get lock(): TLock | undefined {
    return this.#lock;
  }

  /** The bytes of journal records written since the last snapshot: where the records end. */
  get recordBytes(): number {
    return this.#recordBytes;
  }

  /**
   * Opens the target: takes the writer lock, then reads what is stored under it. When the
   * read fails, `abandon` undoes what it did, the lock is let go, and the read's failure is
   * thrown: a failure of those two steps is dropped, since the first failure is the one to
   * report. Nothing is held after a throw.
   *
   * @param takeLock - Takes the lock; what it throws (`DatabaseLockedError`, ...) is
   *   thrown as it is.
   * @param read - Reads what is stored, under the lock.
   * @param abandon - Undoes what a failed `read` left open (a descriptor, a connection).
   * @returns What `read` returned.
   * @throws What `takeLock` throws; the package's errors that `read` throws, as they are;
   *   anything else that `read` throws as a `StorageError` (`Cannot open <location>: ...`).
   */
  async open<T>(
    takeLock: () => Promise<TLock>,
    read: (lock: TLock) => Promise<T>,
    abandon: () => Promise<void> | void,
  ): Promise<T> {
    const lock = await takeLock();
    try {
      const stored = await read(lock);
      this.#lock = lock;
      return stored;
    } catch (error) {
      try {
        await abandon();
      } catch {}
      await lock.release().catch(() => undefined);
      throw this.wrap("open", error);
    }
  }

  /**
   * Lets the writer lock go, if it is held; idempotent.
   *
   * @throws `StorageError` when the lock cannot be let go.
   */
  async release(): Promise<void> {
    const lock = this.#lock;
    this.#lock = undefined;
    await lock?.release();
  }

  /**
   * Records what `open` found in the journal.
   *
   * @param recordBytes - The bytes of its readable records.
   * @param leftovers - Whether it held anything at all: records, a torn tail, zeros.
   */
  recordsFound(recordBytes: number, leftovers: boolean): void {
    this.#recordBytes = recordBytes;
    this.#leftovers = leftovers;
  }

  /**
   * Records an append that is durable.
   *
   * @param bytes - The bytes of the records it added.
   */
  recordsAppended(bytes: number): void {
    this.#recordBytes += bytes;
  }

  /**
   * Records that the journal was cut, its records now ending at `recordBytes`.
   *
   * @param recordBytes - Where the records end now.
   */
  recordsCutAt(recordBytes: number): void {
    this.#recordBytes = recordBytes;
  }

  /**
   * Records a checkpoint: the snapshot holds every record but the last `keptBytes` (those
   * appended while it was written), which the journal now holds alone.
   */
  checkpointed(keptBytes = 0): void {
    this.#recordBytes = keptBytes;
    this.#leftovers = false;
  }

  /**
   * Whether a checkpoint is due: the target's `wantsCheckpoint`.
   *
   * @returns `true` once the records since the last snapshot reach the threshold, or while
   *   what `open` found in the journal is still there.
   */
  wantsCheckpoint(): boolean {
    return this.#leftovers || this.#recordBytes >= this.#checkpointBytes;
  }

  /**
   * The error of a step that failed: {@link storageFailure}.
   *
   * @param what - The step, as a verb phrase that the location completes.
   * @param cause - What the storage threw.
   * @param location - The place involved; the target's location by default.
   * @returns The `StorageError` to throw.
   */
  failure(what: string, cause: unknown, location = this.location): StorageError {
    return storageFailure(what, location, cause, this.#describe);
  }

  /**
   * The error to throw for a step that failed: the package's own errors (a lost lock, a
   * corrupt journal, a foreign write) as they are, anything else as {@link failure}.
   *
   * @param what - The step, as a verb phrase that the location completes.
   * @param cause - What the step threw.
   * @param location - The place involved; the target's location by default.
   * @returns The error to throw.
   */
  wrap(what: string, cause: unknown, location = this.location): unknown {
    return isNegotiationError(cause) ? cause : this.failure(what, cause, location);
  }
}
