import type { NegotiationState } from "../domain/vocabulary.js";

/** A change to one negotiation, as a store's subscribers are told of it once it is durable. */
export interface NegotiationChange {
  /** The thread whose negotiation changed. */
  readonly threadId: string;
  /** The state saved; `null` for a delete. */
  readonly state: NegotiationState | null;
  /** `"save"` (a save, an update, a row put) or `"delete"`. */
  readonly kind: "save" | "delete";
}

/**
 * Called with each change once it is durable, in commit order. What it throws does not undo
 * or fail the change, nor keep other listeners from being called: it is reported as an
 * uncaught error (`reportError` where the platform has it).
 *
 * @param change - The thread, the state saved (`null` for a delete) and the kind of change.
 */
export type NegotiationChangeListener = (change: NegotiationChange) => void;

/**
 * The listeners of one store, and the delivery of its changes to them.
 *
 * @internal
 */
export class ChangeListeners {
  readonly #listeners = new Set<{ readonly listener: NegotiationChangeListener }>();

  /** Whether anyone listens: changes need not be recorded otherwise. */
  get active(): boolean {
    return this.#listeners.size > 0;
  }

  /**
   * Adds a listener; the same function added twice is called twice.
   *
   * @returns A function that removes it; idempotent.
   */
  add(listener: NegotiationChangeListener): () => void {
    // Wrapped, so that each subscription is removed alone.
    const entry = { listener };
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  /** Tells every listener of each change, in order. */
  deliver(changes: readonly NegotiationChange[]): void {
    for (const change of changes) {
      for (const { listener } of [...this.#listeners]) {
        try {
          listener(change);
        } catch (error) {
          reportUncaught(error);
        }
      }
    }
  }
}

function reportUncaught(error: unknown): void {
  const { reportError } = globalThis as { reportError?: (error: unknown) => void };
  if (typeof reportError === "function") reportError(error);
  else
    queueMicrotask(() => {
      throw error;
    });
}
