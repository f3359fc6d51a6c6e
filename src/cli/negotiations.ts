import { errorMessage } from "../domain/errors.js";
import {
  type RestoredNegotiation,
  restoreNegotiationRows,
} from "../store/negotiation-state-store.js";
import type { NegotiationStateRow } from "../store/negotiation-state-table.js";
import type { CliContext } from "./cli-context.js";
import { openForReading, readAllRows } from "./database.js";

/** A stored row and the negotiation rebuilt from it. */
export interface LoadedNegotiation {
  readonly row: NegotiationStateRow;
  readonly negotiation: RestoredNegotiation;
}

/**
 * Reads every negotiation of a database, read-only. A row that cannot be rebuilt is
 * reported on standard error (naming its thread and column) and sets the exit status to 1;
 * the others are returned.
 *
 * @param context - The command's context.
 * @param path - The database file.
 * @returns The negotiations, oldest first.
 */
export async function loadNegotiations(
  context: CliContext,
  path: string,
): Promise<LoadedNegotiation[]> {
  const adapter = await openForReading(path);
  try {
    const loaded: LoadedNegotiation[] = [];
    for (const row of await readAllRows(adapter)) {
      try {
        const [negotiation] = restoreNegotiationRows([row]);
        loaded.push({ row, negotiation: negotiation as RestoredNegotiation });
      } catch (error) {
        context.err(`${context.errorColors.yellow("skipped:")} ${errorMessage(error)}`);
        context.fail();
      }
    }
    return loaded;
  } finally {
    await adapter.close();
  }
}

/**
 * Finds one negotiation by thread.
 *
 * @throws When there is none on that thread.
 */
export async function loadNegotiation(
  context: CliContext,
  path: string,
  threadId: string,
): Promise<LoadedNegotiation> {
  const found = (await loadNegotiations(context, path)).find(
    ({ row }) => row.thread_id === threadId,
  );
  if (found === undefined) {
    throw new Error(
      `There is no readable negotiation on thread ${JSON.stringify(threadId)} in ${path}`,
    );
  }
  return found;
}
