import { randomUUID } from "node:crypto";
import { link, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import process from "node:process";
import { DatabaseLockedError, errorCode, errorMessage, StorageError } from "../domain/errors.js";

/** A held lock; `release` is idempotent. */
export interface FileLock {
  release(): Promise<void>;
}

interface LockHolder {
  readonly pid: number;
  /** `null` when the holder could not read its host name (Deno without `--allow-sys`). */
  readonly host: string | null;
  readonly token: string;
}

const RETRY_DELAY_MS = 50;

/**
 * Takes the writer lock of a database: a lock file holding the owner's pid, host and a
 * token, created atomically (written aside, then hard-linked into place, so it is never
 * seen half-written). A lock whose holder is provably gone (its pid answers ESRCH on this
 * host) is taken over; when that cannot be checked, the open is refused with the reason.
 *
 * @param lockPath - The lock file, next to the database.
 * @param databasePath - The database, for messages.
 * @param waitMs - How long to wait for a live holder to let go; 0 refuses at once.
 * @returns The held lock.
 * @throws {@link DatabaseLockedError} naming the holder, or why it could not be checked.
 */
export async function acquireFileLock(
  lockPath: string,
  databasePath: string,
  waitMs = 0,
): Promise<FileLock> {
  const owner: LockHolder = { pid: process.pid, host: ownHostName(), token: randomUUID() };
  const deadline = Date.now() + waitMs;
  for (;;) {
    if (await tryCreate(lockPath, owner, databasePath)) return heldLock(lockPath, owner);
    const holder = await readHolder(lockPath);
    if (holder === "gone") continue;
    const refusal =
      holder === "unreadable"
        ? `the lock file ${lockPath} does not name its holder; remove it if no process uses the database`
        : whyHeld(holder, owner);
    if (refusal === null) {
      await removeStaleLock(lockPath, holder as LockHolder);
      continue;
    }
    if (Date.now() >= deadline) throw new DatabaseLockedError(databasePath, refusal);
    await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
  }
}

async function tryCreate(
  lockPath: string,
  owner: LockHolder,
  databasePath: string,
): Promise<boolean> {
  const aside = `${lockPath}.${owner.token}`;
  try {
    await writeFile(aside, JSON.stringify(owner), { flag: "wx" });
    await link(aside, lockPath);
    return true;
  } catch (error) {
    if (errorCode(error) === "EEXIST") return false;
    throw new StorageError(
      `Cannot create the lock file ${lockPath} for ${databasePath}: ${errorMessage(error)}`,
      {
        cause: error,
        location: databasePath,
      },
    );
  } finally {
    await unlink(aside).catch(() => undefined);
  }
}

async function readHolder(lockPath: string): Promise<LockHolder | "gone" | "unreadable"> {
  let text: string;
  try {
    text = await readFile(lockPath, "utf8");
  } catch (error) {
    return errorCode(error) === "ENOENT" ? "gone" : "unreadable";
  }
  try {
    const holder = JSON.parse(text) as Partial<LockHolder>;
    if (
      Number.isSafeInteger(holder.pid) &&
      (typeof holder.host === "string" || holder.host === null) &&
      typeof holder.token === "string"
    ) {
      return holder as LockHolder;
    }
  } catch {}
  return "unreadable";
}

/** Why the lock stands, or `null` when its holder is provably gone. */
function whyHeld(holder: LockHolder, owner: LockHolder): string | null {
  const where = `held by process ${holder.pid} on ${holder.host ?? "a host it did not record"}`;
  if (owner.host === null) {
    return `${where}; whether it is alive cannot be checked, since this process cannot read its host name (under Deno, grant --allow-sys=hostname)`;
  }
  if (holder.host !== owner.host) {
    return `${where}; whether it is alive cannot be checked from ${owner.host}`;
  }
  if (holder.pid === owner.pid) return `${where}, which is this process: it is already open here`;
  try {
    process.kill(holder.pid, 0);
    return where;
  } catch (error) {
    const code = errorCode(error);
    if (code === "ESRCH") return null;
    if (code === "EPERM") return where;
    return `${where}; whether it is alive cannot be checked: ${errorMessage(error)}`;
  }
}

async function removeStaleLock(lockPath: string, stale: LockHolder): Promise<void> {
  // Move the lock aside first, so two processes taking over at once cannot both win.
  const aside = `${lockPath}.stale-${randomUUID()}`;
  try {
    await rename(lockPath, aside);
  } catch {
    return;
  }
  const moved = await readHolder(aside);
  if (typeof moved === "object" && moved.token !== stale.token) {
    // Another process took the lock over in between: put its lock back.
    await link(aside, lockPath).catch(() => undefined);
  }
  await unlink(aside).catch(() => undefined);
}

/**
 * This host's name, or `null` when the runtime does not grant it (Deno without
 * `--allow-sys=hostname`): a lock can still be taken, but a stale one cannot be told stale.
 */
function ownHostName(): string | null {
  try {
    return hostname();
  } catch {
    return null;
  }
}

function heldLock(lockPath: string, owner: LockHolder): FileLock {
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      const holder = await readHolder(lockPath);
      if (typeof holder === "object" && holder.token === owner.token) {
        await unlink(lockPath).catch(() => undefined);
      }
    },
  };
}
