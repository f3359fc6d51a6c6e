/**
 * What the command line's tests share: the Python service's database, databases with a
 * journal, a process holding the writer lock, and reading the tables the commands print.
 * Running the built binary is `runCli`, in run-cli.ts.
 */
import { chmod, copyFile, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { displayWidth } from "../../src/cli/display-width.js";
import { filePersistence, JOURNAL_SUFFIX } from "../../src/persistence/file-persistence.js";
import type {
  NegotiationInput,
  NegotiationStateStore,
} from "../../src/store/negotiation-state-store.js";
import { openNegotiationStore } from "../../src/store/open-negotiation-store.js";
import { type LockHolderProcess, startLockHolder } from "../support/lock-holder-process.js";

/** The Python service's database: ten negotiations, one in each state. */
export const FIXTURE = fileURLToPath(new URL("../fixtures/python-service.db", import.meta.url));

/**
 * A writable copy of the Python service's database.
 *
 * @param path - Where to put it.
 * @returns `path`.
 */
export async function copyOfFixture(path: string): Promise<string> {
  await copyFile(FIXTURE, path);
  await chmod(path, 0o644);
  return path;
}

/**
 * A new temporary folder holding a copy of the Python service's database; remove the
 * folder when done.
 *
 * @param prefix - The start of the folder's name.
 * @returns The folder, and the database in it.
 */
export async function folderWithFixture(
  prefix: string,
): Promise<{ folder: string; pythonDb: string }> {
  const folder = await mkdtemp(join(tmpdir(), prefix));
  return { folder, pythonDb: await copyOfFixture(join(folder, "python-service.db")) };
}

/**
 * Opens a store whose saves are split as an agent's are while it runs: `closed` saved in
 * a first session, closed (so they are in the database file), then `journaled` saved by
 * the store returned, still open (so they are in its journal only). Close it when done.
 *
 * @param file - The database file.
 * @param closed - The saves of the first session.
 * @param journaled - The saves of the open store.
 * @param clock - The clock of both stores; the real one by default.
 * @returns The open store.
 */
export async function storeWithJournal(
  file: string,
  closed: readonly NegotiationInput[],
  journaled: readonly NegotiationInput[],
  clock?: () => Date,
): Promise<NegotiationStateStore> {
  const open = () =>
    openNegotiationStore({ persistence: filePersistence(file), ...(clock && { clock }) });
  const first = await open();
  try {
    for (const input of closed) await first.save(input);
  } finally {
    await first.close();
  }
  const store = await open();
  try {
    for (const input of journaled) await store.save(input);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

/**
 * Copies a database file and its journal, as a power cut leaves them: no clean close, no
 * lock.
 *
 * @param from - The database file copied, its journal beside it.
 * @param to - Where the copy goes, its journal beside it.
 */
export async function copyWithJournal(from: string, to: string): Promise<void> {
  await copyFile(from, to);
  await copyFile(`${from}${JOURNAL_SUFFIX}`, `${to}${JOURNAL_SUFFIX}`);
}

/** The processes a test file starts to hold writer locks, killed when each test ends. */
export class LockHolders {
  readonly #holders: LockHolderProcess[] = [];

  /**
   * Starts a process that opens `database`, saves `threadIds` and holds the writer lock
   * until `close()`; returns once it holds the lock. It is killed by
   * {@link LockHolders.killAll} even when this fails.
   *
   * @param database - The database file.
   * @param threadIds - The negotiations it saves.
   * @returns The process, holding the lock.
   */
  async hold(
    database: string,
    threadIds: readonly string[] = ["held-by-agent"],
  ): Promise<LockHolderProcess> {
    const holder = startLockHolder(database, 0, threadIds);
    this.#holders.push(holder);
    expect(await holder.nextLine()).toBe(`holding ${holder.child.pid}`);
    return holder;
  }

  /** Kills every process started, and forgets them. */
  killAll(): void {
    for (const holder of this.#holders.splice(0)) holder.child.kill("SIGKILL");
  }
}

/**
 * The cells of a table line (cells are separated by two spaces or more).
 *
 * @param line - A line of a table.
 * @returns Its cells.
 */
export function cells(line: string): string[] {
  return line.split(/ {2,}/);
}

/**
 * The rows of a table printed alone: below its header and rule, each split into cells.
 *
 * @param stdout - What the command printed.
 * @returns The rows' cells.
 */
export function tableRows(stdout: string): string[][] {
  return stdout.trimEnd().split("\n").slice(2).map(cells);
}

/**
 * The thread column of a table printed alone (`list`'s first column).
 *
 * @param stdout - What the command printed.
 * @returns The threads, in order.
 */
export function threadsOfTable(stdout: string): string[] {
  return tableRows(stdout).map((row) => row[0] as string);
}

/**
 * The threads of `list --json`, in order.
 *
 * @param stdout - What the command printed.
 * @returns The threads.
 */
export function threadsOfJson(stdout: string): string[] {
  return (JSON.parse(stdout) as { thread_id: string }[]).map((each) => each.thread_id);
}

/**
 * The display column at which each cell of a rendered table line starts, the cells found
 * in order.
 *
 * @param line - A line of a table.
 * @param cells - Its cells' text, in order.
 * @returns One column number per cell.
 * @throws When a cell is not on the line.
 */
export function cellStarts(line: string, cells: readonly string[]): number[] {
  const starts: number[] = [];
  let at = 0;
  for (const cell of cells) {
    const index = line.indexOf(cell, at);
    if (index === -1) throw new Error(`${JSON.stringify(cell)} is not in ${JSON.stringify(line)}`);
    starts.push(displayWidth(line.slice(0, index)));
    at = index + cell.length;
  }
  return starts;
}
