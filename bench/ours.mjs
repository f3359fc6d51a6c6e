// This package as a contender: the store of the built package on a persistence target.
import { memoryPersistence, openNegotiationStore } from "negotiation-state";
import { filePersistence } from "negotiation-state/file";
import { negotiationInput } from "./rows.mjs";

/**
 * @param {string} name short key used in results
 * @param {string} label
 * @param {(path: string) => object} persistence the persistence target of a database
 */
function oursContender(name, label, persistence) {
  return {
    name,
    label,
    input: negotiationInput,

    /** Writes rows 0..count-1 in one transaction, then closes. */
    async populate(path, count) {
      const store = await openNegotiationStore({ persistence: persistence(path) });
      await store.transaction(async (tx) => {
        for (let i = 0; i < count; i++) await tx.save(negotiationInput(i));
      });
      await store.close();
    },

    async open(path) {
      const store = await openNegotiationStore({ persistence: persistence(path) });
      return {
        save: (input) => store.save(input),
        restore: () => store.restoreActive(),
        close: () => store.close(),
      };
    },
  };
}

/** The default file persistence: a snapshot plus a checksummed journal, with group commit. */
export const journal = oursContender("journal", "negotiation-state (default: journal)", (path) =>
  filePersistence(path),
);

/** No I/O at all: what a save costs in the process (validation, serialization, sql.js). */
const memories = new Map();
export const memory = oursContender("memory", "negotiation-state (memory, no I/O)", (path) => {
  if (!memories.has(path)) memories.set(path, memoryPersistence());
  return memories.get(path);
});
