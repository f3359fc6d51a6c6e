/** What a {@link GroupCommit} needs from its owner. */
export interface GroupCommitOptions<Entry> {
  /**
   * Makes entries durable, in order, with one sync for all of them.
   *
   * @param entries - One batch: every entry committed since the last append began.
   * @returns Once they are durable.
   * @throws Anything, when they could not be made durable.
   */
  readonly append: (entries: readonly Entry[]) => Promise<void>;
  /**
   * When a batch may begin, asked when its first entry is committed: the commits that are
   * on their way by then (the calls already queued) join the same batch.
   *
   * @returns A promise that resolves, never rejects, when the batch may be appended.
   */
  readonly startAfter: () => Promise<unknown>;
  /**
   * Hears that an append failed, and says what every commit of that batch, and every commit
   * waiting behind it, rejects with. Later commits begin a new batch: deciding whether there
   * are any is the owner's business (an ordered journal cannot go on past a gap).
   *
   * @param cause - What `append` threw.
   * @returns The error the commits reject with.
   */
  readonly failed: (cause: unknown) => unknown;
  /** Hears that every commit so far is durable: the moment for work that must not race an append. */
  readonly drained?: () => void;
}

interface PendingCommit<Entry> {
  readonly entry: Entry;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Makes committed entries durable in batches (group commit): the entries committed together,
 * or while an append is under way, go to the next append, and one append (one sync) makes
 * the whole batch durable. Each commit resolves once its own batch is durable; batches are
 * appended one at a time, in commit order.
 *
 * @typeParam Entry - What is appended: a journal entry.
 * @example
 * const commits = new GroupCommit<JournalEntry>({
 *   append: (entries) => persistence.append(entries),
 *   startAfter: () => queue.settled(),
 *   failed: (cause) => new StorageError(`Not durable: ${errorMessage(cause)}`, { cause }),
 * });
 * await commits.commit(entry); // durable now
 */
export class GroupCommit<Entry> {
  readonly #options: GroupCommitOptions<Entry>;
  #pending: PendingCommit<Entry>[] = [];
  #flushing: Promise<void> | undefined;
  #last: Promise<void> = Promise.resolve();

  /**
   * Makes a group commit with nothing pending.
   *
   * @param options - How to append a batch, when a batch may begin, and what to do when an
   *   append fails or every commit is durable.
   */
  constructor(options: GroupCommitOptions<Entry>) {
    this.#options = options;
  }

  /**
   * Commits one entry.
   *
   * @param entry - What to make durable, after every entry committed before it.
   * @returns Once the entry is durable.
   * @throws What `failed` returned, when the append of its batch (or of one before it that
   *   was still pending) failed.
   */
  commit(entry: Entry): Promise<void> {
    const durable = new Promise<void>((resolve, reject) => {
      this.#pending.push({ entry, resolve, reject });
    });
    this.#last = durable;
    this.#flushing ??= this.#options.startAfter().then(() => this.#flush());
    return durable;
  }

  /**
   * The durability of the last entry committed: what a read that may include it waits for.
   *
   * @returns Once the last entry is durable (at once when there is none).
   * @throws As its {@link GroupCommit.commit} does.
   */
  lastCommit(): Promise<void> {
    return this.#last;
  }

  /**
   * Waits until every entry committed so far has been appended or rejected.
   *
   * @returns A promise that never rejects.
   */
  flushed(): Promise<void> {
    return this.#flushing ?? Promise.resolve();
  }

  async #flush(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0);
      try {
        await this.#options.append(batch.map((pending) => pending.entry));
      } catch (cause) {
        const error = this.#options.failed(cause);
        // Those waiting behind the failed batch would follow a gap: they fail with it.
        const failed = [...batch, ...this.#pending.splice(0)];
        this.#flushing = undefined;
        for (const pending of failed) pending.reject(error);
        return;
      }
      for (const pending of batch) pending.resolve();
    }
    this.#flushing = undefined;
    this.#options.drained?.();
  }
}
