import { RestoreError } from "../store/errors.js";
import type {
  NegotiationStateStore,
  RestoredNegotiation,
} from "../store/negotiation-state-store.js";
import type { CliContext } from "./cli-context.js";
import { withReadOnlyStore } from "./read-only-store.js";
import { printable } from "./terminal.js";
import { failureLines } from "./wire-refusal.js";

/**
 * Reads every negotiation of a database, read-only, with one `restoreAll` (every row tried,
 * the campaigns of many rows parsed once). Each field of a row that cannot be rebuilt is
 * reported on standard error (`skipped: negotiation_state["thread-9"].campaign_json.budget:
 * is required`) and sets the exit status to 1; the others are returned.
 *
 * @param context - The command's context.
 * @param database - The database file, or a `postgres://` URL.
 * @returns The negotiations, oldest first.
 * @throws As {@link withReadOnlyStore} does.
 */
export function loadNegotiations(
  context: CliContext,
  database: string,
): Promise<RestoredNegotiation[]> {
  return withReadOnlyStore(database, async (store) => {
    try {
      return await store.restoreAll();
    } catch (error) {
      if (!(error instanceof RestoreError)) throw error;
      for (const line of failureLines(error.failures)) {
        context.err(`${context.errorColors.yellow("skipped:")} ${printable(line)}`);
      }
      context.fail();
      return error.restored as RestoredNegotiation[];
    }
  });
}

/**
 * Reads one negotiation by thread (`load`: an indexed lookup, so a damaged row elsewhere in
 * the database does not stand in the way).
 *
 * @param store - A store of the database.
 * @param location - The database as messages name it (a file's path, a URL without password).
 * @param threadId - The negotiation's thread.
 * @returns The negotiation.
 * @throws When there is none on that thread, or its row cannot be rebuilt (naming each
 *   refused field: `negotiation_state["thread-9"].campaign_json.budget: is required`).
 */
export async function loadNegotiation(
  store: NegotiationStateStore,
  location: string,
  threadId: string,
): Promise<RestoredNegotiation> {
  let negotiation: RestoredNegotiation | null;
  try {
    negotiation = await store.load(threadId);
  } catch (error) {
    if (!(error instanceof RestoreError)) throw error;
    throw new Error(failureLines(error.failures).join("; "), { cause: error });
  }
  if (negotiation === null) {
    throw new Error(`There is no negotiation on thread ${JSON.stringify(threadId)} in ${location}`);
  }
  return negotiation;
}
