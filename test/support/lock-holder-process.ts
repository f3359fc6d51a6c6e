import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const LOCK_HOLDER = fileURLToPath(new URL("../reliability/lock-holder.mjs", import.meta.url));

/** A Node process running test/reliability/lock-holder.mjs on a database, read line by line. */
export interface LockHolderProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /**
   * Resolves with the next line it prints: `holding <pid>` once it holds the writer lock,
   * `refused <code>: <message>` when the open was refused, `closed` after {@link close}.
   *
   * @throws When the process ended without printing another line.
   */
  nextLine(): Promise<string>;
  /** Asks it to close the database and exit. */
  close(): void;
}

/**
 * Starts a process that opens `database` (waiting up to `lockTimeout` ms for the writer
 * lock), saves a negotiation on each of `threadIds`, then holds the lock until
 * {@link LockHolderProcess.close} or until it is killed. The caller kills it when done.
 *
 * @param database - The database file.
 * @param lockTimeout - How long the open waits for another process's lock; 0 refuses at once.
 * @param threadIds - The negotiations it saves before it reports holding the lock.
 */
export function startLockHolder(
  database: string,
  lockTimeout: number,
  threadIds: readonly string[],
): LockHolderProcess {
  const child = spawn(process.execPath, [LOCK_HOLDER, database, String(lockTimeout), ...threadIds]);
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    child,
    async nextLine() {
      const { value, done } = await lines.next();
      if (done) throw new Error(`process ${child.pid} ended without printing a line`);
      return value;
    },
    close: () => child.stdin.write("close\n"),
  };
}
