import type { Persistence } from "../../src/index.js";

/** Options every durable target takes. */
export interface PlaceOptions {
  readonly checkpointBytes?: number;
}

/** One database place of a target: a file path, an IndexedDB name, a memory image. */
export interface Place {
  /** A new persistence object for this place (as a restarted program would make). */
  persistence(options?: PlaceOptions): Persistence;
  /**
   * What a crash would leave right now: the durable state copied to a new place while the
   * writer still holds this one. Absent for targets that keep nothing after a crash.
   */
  crashCopy?(): Promise<Place>;
}

/** A persistence target under test. */
export interface Target {
  readonly name: string;
  /** Whether its places keep what was acknowledged through a crash (every `Place` has `crashCopy`). */
  readonly durable: boolean;
  /** A new, empty place. */
  fresh(): Promise<Place>;
}

/** The memory target: a place is one `memoryPersistence()`, reopened after each close. */
export function memoryTarget(memoryPersistence: () => Persistence): Target {
  return {
    name: "memory",
    durable: false,
    async fresh() {
      const persistence = memoryPersistence();
      return { persistence: () => persistence };
    },
  };
}
