import type * as Api from "../../src/index.js";

/** Options every journaled target takes (ignored by the others' places). */
export interface PlaceOptions {
  readonly checkpointBytes?: number;
}

/**
 * One database place of a target: a file path, an IndexedDB name, a memory image, a
 * PostgreSQL schema.
 */
export interface Place {
  /** A new store on this place (as a restarted program, or another replica, would open it). */
  open(options?: PlaceOptions): Promise<Api.NegotiationStateStore>;
  /**
   * What a crash would leave right now: the durable state copied to a new place while the
   * writer still holds this one. Absent for targets that keep nothing after a crash.
   */
  crashCopy?(): Promise<Place>;
  /** Removes what the place left outside the test's temp folders (a server's schema). */
  dispose?(): Promise<void>;
}

/**
 * A storage target under test. The flags say which tests of the suite apply to it: a test
 * that does not apply is not registered for the target, never skipped.
 */
export interface Target {
  readonly name: string;
  /** Whether its places keep what was acknowledged through a crash (every `Place` has `crashCopy`). */
  readonly durable: boolean;
  /**
   * Whether a place has one writer at a time (the file lock, Web Locks), rather than many
   * stores writing side by side (a server).
   */
  readonly exclusiveWriter: boolean;
  /**
   * Whether, with one writer at a time, a second store on the place forwards its calls to
   * the writer (IndexedDB in a browser) rather than being refused.
   */
  readonly forwardsToWriter?: boolean;
  /** Whether a place keeps a journal that is folded into its snapshot past `checkpointBytes`. */
  readonly journal: boolean;
  /** A new, empty place. */
  fresh(): Promise<Place>;
}

/** What the sql.js targets open their stores with: the package's main entry. */
export type OpenNegotiationStore = typeof Api.openNegotiationStore;

/**
 * A place whose store is `openNegotiationStore({ persistence })` on a new persistence
 * object of `persistence` (the memory, file and IndexedDB targets).
 */
export function persistencePlace(
  openNegotiationStore: OpenNegotiationStore,
  persistence: (options?: PlaceOptions) => Api.Persistence,
  crashCopy?: () => Promise<Place>,
): Place {
  return {
    open: (options) => openNegotiationStore({ persistence: persistence(options) }),
    ...(crashCopy && { crashCopy }),
  };
}

/**
 * The memory target: a place is one `memoryPersistence()`, reopened after each close. It
 * keeps no journal (its image is kept at each checkpoint, in memory).
 */
export function memoryTarget(
  api: Pick<typeof Api, "memoryPersistence" | "openNegotiationStore">,
): Target {
  return {
    name: "memory",
    durable: false,
    exclusiveWriter: true,
    journal: false,
    async fresh() {
      const persistence = api.memoryPersistence();
      return persistencePlace(api.openNegotiationStore, () => persistence);
    },
  };
}
