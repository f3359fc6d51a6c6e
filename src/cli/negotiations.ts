import { errorMessage } from "../errors/negotiation-error.js";
import {
  type RestoredNegotiation,
  restoreNegotiationRows,
} from "../store/negotiation-state-store.js";
import type { NegotiationStateRow } from "../store/negotiation-state-table.js";
import type { CliContext } from "./cli-context.js";
import { openForReading, readAllRows, readRow } from "./database.js";
import { printable } from "./terminal.js";

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
        context.err(`${context.errorColors.yellow("skipped:")} ${printable(errorMessage(error))}`);
        context.fail();
      }
    }
    return loaded;
  } finally {
    await adapter.close();
  }
}

/**
 * Reads one negotiation by thread, read-only. Only its row is rebuilt, so a damaged row
 * elsewhere in the database does not stand in the way.
 *
 * @param path - The database file.
 * @param threadId - The negotiation's thread.
 * @returns The negotiation.
 * @throws When there is none on that thread, or its row cannot be rebuilt (naming the
 *   column).
 */
export async function loadNegotiation(path: string, threadId: string): Promise<LoadedNegotiation> {
  const adapter = await openForReading(path);
  try {
    const row = await readRow(adapter, threadId);
    if (row === undefined) {
      throw new Error(`There is no negotiation on thread ${JSON.stringify(threadId)} in ${path}`);
    }
    const [negotiation] = restoreNegotiationRows([row]);
    return { row, negotiation: negotiation as RestoredNegotiation };
  } finally {
    await adapter.close();
  }
}
