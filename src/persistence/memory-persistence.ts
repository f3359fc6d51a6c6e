import { copyWithRoomToGrow } from "./database-room.js";
import { DatabaseLockedError } from "./errors.js";
import type { Persistence } from "./persistence.js";

/**
 * Keeps the database in memory only: nothing survives the process. The image is kept at
 * each checkpoint (the adapter checkpoints on close), so reopening the same persistence
 * finds the data again. One adapter at a time may hold it.
 *
 * @returns A persistence for `openSqlJsAdapter` or `openNegotiationStore`.
 * @example
 * const store = await openNegotiationStore({ persistence: memoryPersistence() });
 */
export function memoryPersistence(): Persistence {
  let stored: Uint8Array | null = null;
  let isOpen = false;
  return {
    location: "memory",
    async open() {
      if (isOpen) throw new DatabaseLockedError("memory", "it is already open in this process");
      isOpen = true;
      // The adapter writes to the bytes it is given; these stay the last checkpoint's. The
      // room spares new rows a copy of the whole database (sql.js grows its file so).
      return { snapshot: stored && copyWithRoomToGrow(stored), journal: [] };
    },
    // The live database is the only copy: a commit is as durable as memory gets.
    async append() {},
    async checkpoint(snapshot) {
      stored = snapshot;
    },
    async close() {
      isOpen = false;
    },
  };
}
