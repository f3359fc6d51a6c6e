import { errorMessage } from "../errors/negotiation-error.js";
import { RestoreError } from "../store/errors.js";
import type { NegotiationStateStore } from "../store/negotiation-state-store.js";
import type { Finding } from "./commands/verify.js";
import { plural } from "./plural.js";
import { failureLines } from "./wire-refusal.js";

/**
 * The `rows` check of `verify`, on any store (a database file's or PostgreSQL's): every
 * row through the store's restore (`restoreAll`, the row contract), each field it refuses
 * a problem named by thread and field, so a database that passes is one the store reads
 * whole. Reads only.
 *
 * @param store - A store of the database verified.
 * @param note - Said after the count when every row passed (which rows were read).
 * @returns One `ok` finding, or one `problem` per refused field (or for a read that failed).
 * @example
 * await rowFindings(store); // [{ check: "rows", status: "ok", message: "10 negotiations read back through the schemas" }]
 */
export async function rowFindings(store: NegotiationStateStore, note = ""): Promise<Finding[]> {
  try {
    const restored = await store.restoreAll();
    return [
      {
        check: "rows",
        status: "ok",
        message: `${plural(restored.length, "negotiation")} read back through the schemas${note}`,
      },
    ];
  } catch (error) {
    if (!(error instanceof RestoreError)) {
      return [{ check: "rows", status: "problem", message: errorMessage(error) }];
    }
    return failureLines(error.failures).map((message) => ({
      check: "rows",
      status: "problem",
      message,
    }));
  }
}
