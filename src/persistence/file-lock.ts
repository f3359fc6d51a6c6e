import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { hostname } from "node:os";
import process from "node:process";
import { errorCode, errorMessage } from "../errors/negotiation-error.js";
import { DatabaseLockedError, type StorageError } from "./errors.js";
import { type FileStat, type FileSystem, isSameFile, writeAll } from "./file-system.js";
import type { WriterLock } from "./journaled-target.js";
import { storageFailure } from "./storage-failure.js";

/** A held lock file: a {@link WriterLock} that can tell it was lost. */
export interface FileLock extends WriterLock {
  /**
   * Checks that the lock file is still the one this process created: a writer
   * acknowledges nothing once it is not (deleted or replaced, so another writer may have
   * opened the database).
   *
   * @throws `DatabaseLockedError` saying the lock was lost; `StorageError` when it cannot
   *   be examined.
   */
  check(): void;
  /**
   * Removes the lock file; idempotent.
   *
   * @throws `StorageError` naming the lock file when it cannot be read or removed: it then
   *   stays, and the next process takes it over once this one is gone.
   */
  release(): Promise<void>;
}

interface LockHolder {
  readonly pid: number;
  /** `null` when the holder could not read its host name (Deno without `--allow-sys`). */
  readonly host: string | null;
  readonly token: string;
  /**
   * Which boot of the host wrote it (Linux's boot id), or `null` where it cannot be read: a
   * lock from an earlier boot is stale even when its pid now names another process.
   */
  readonly boot?: string | null;
}

const BOOT_ID_FILE = "/proc/sys/kernel/random/boot_id";

const RETRY_DELAY_MS = 50;

/**
 * Takes the writer lock of a database: a lock file holding the owner's pid, host, boot and
 * a token, created atomically (written and synced aside, then hard-linked into place, so it
 * is never seen half-written, even after a power loss). A lock whose holder is provably
 * gone (written before the host's last boot, or its pid answers ESRCH on this host), and an
 * empty lock file (which only a crash of an older version leaves), is taken over; when that
 * cannot be checked, the open is refused with the reason.
 *
 * @param fs - The file system.
 * @param lockPath - The lock file, next to the database.
 * @param databasePath - The database, for messages.
 * @param waitMs - How long to wait for a live holder to let go; 0 refuses at once.
 * @returns The held lock.
 * @throws {@link DatabaseLockedError} naming the holder, or why it could not be checked;
 *   `StorageError` naming the lock file when it cannot be written, read or moved aside.
 */
export async function acquireFileLock(
  fs: FileSystem,
  lockPath: string,
  databasePath: string,
  waitMs = 0,
): Promise<FileLock> {
  const owner: LockHolder = {
    pid: process.pid,
    host: ownHostName(),
    token: randomUUID(),
    boot: await bootId(),
  };
  const deadline = Date.now() + waitMs;
  for (;;) {
    const created = await tryCreate(fs, lockPath, owner, databasePath);
    if (created !== undefined) return heldLock(fs, lockPath, owner, databasePath, created);
    const holder = await readHolder(fs, lockPath, databasePath);
    if (holder === "gone") continue;
    const refusal =
      holder === "empty"
        ? null
        : holder === "unreadable"
          ? `the lock file ${lockPath} does not name its holder; remove it if no process uses the database`
          : whyHeld(holder, owner, lockPath);
    if (refusal === null) {
      await removeStaleLock(fs, lockPath, holder as LockHolder | "empty", databasePath);
      continue;
    }
    if (Date.now() >= deadline) throw new DatabaseLockedError(databasePath, refusal);
    await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
  }
}

/** A lock file this process created. */
interface CreatedLock {
  /** Kept open while the lock is held, so that its inode number is not reused meanwhile. */
  readonly fd: number;
  readonly stat: FileStat;
}

/** @returns The created lock file, `undefined` when another holds the lock. */
async function tryCreate(
  fs: FileSystem,
  lockPath: string,
  owner: LockHolder,
  databasePath: string,
): Promise<CreatedLock | undefined> {
  // A new name each attempt: one whose removal failed must not make every later attempt
  // fail with EEXIST, which only the link may report.
  const aside = `${lockPath}.${randomUUID()}`;
  try {
    const fd = await fs.open(aside, "wx");
    try {
      await writeAll(fs, fd, new TextEncoder().encode(JSON.stringify(owner)), 0);
      // The content is durable before the name: a crash never leaves an empty lock.
      await fs.fsync(fd);
      await fs.link(aside, lockPath);
      return { fd, stat: await fs.stat(aside) };
    } catch (error) {
      // Not held after all: a failure to close is the one to report.
      await fs.close(fd);
      throw error;
    }
  } catch (error) {
    if (errorCode(error) === "EEXIST") return undefined;
    // A link can fail after it took effect: a lock left in our name would shut us out.
    const holder = await readHolder(fs, lockPath, databasePath).catch(() => undefined);
    if (typeof holder === "object" && holder.token === owner.token) {
      await fs.rm(lockPath, { force: true }).catch(() => undefined);
    }
    throw lockError("create", lockPath, databasePath, error);
  } finally {
    await fs.rm(aside, { force: true }).catch(() => undefined);
  }
}

/** The lock's holder; "empty" for an empty file, "unreadable" when it does not name one. */
async function readHolder(
  fs: FileSystem,
  lockPath: string,
  databasePath: string,
): Promise<LockHolder | "gone" | "empty" | "unreadable"> {
  let text: string;
  try {
    text = new TextDecoder().decode(await fs.readFile(lockPath));
  } catch (error) {
    if (errorCode(error) === "ENOENT") return "gone";
    throw lockError("read", lockPath, databasePath, error);
  }
  if (text === "") return "empty";
  try {
    const holder = JSON.parse(text) as Partial<LockHolder>;
    if (
      Number.isSafeInteger(holder.pid) &&
      (typeof holder.host === "string" || holder.host === null) &&
      typeof holder.token === "string" &&
      (holder.boot === undefined || typeof holder.boot === "string" || holder.boot === null)
    ) {
      return holder as LockHolder;
    }
  } catch {}
  return "unreadable";
}

/** Why the lock stands, or `null` when its holder is provably gone. */
function whyHeld(holder: LockHolder, owner: LockHolder, lockPath: string): string | null {
  const where = `held by process ${holder.pid} on ${holder.host ?? "a host it did not record"}`;
  if (owner.host === null) {
    return `${where}; whether it is alive cannot be checked, since this process cannot read its host name (under Deno, grant --allow-sys=hostname)`;
  }
  if (holder.host !== owner.host) {
    return `${where}; whether it is alive cannot be checked from ${owner.host}`;
  }
  if (holder.boot && owner.boot && holder.boot !== owner.boot) return null;
  if (holder.pid === owner.pid) {
    return `${where}, which is this process: it is already open here (or a close here failed to remove ${lockPath}; remove it if the database is not open)`;
  }
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

async function removeStaleLock(
  fs: FileSystem,
  lockPath: string,
  stale: LockHolder | "empty",
  databasePath: string,
): Promise<void> {
  // Move the lock aside first, so two processes taking over at once cannot both win.
  const aside = `${lockPath}.stale-${randomUUID()}`;
  let failure: unknown;
  try {
    await fs.rename(lockPath, aside);
  } catch (error) {
    // ENOENT: another process moved it first; look again. Otherwise the rename may still
    // have taken effect: settle what was moved, then refuse.
    if (errorCode(error) === "ENOENT") return;
    failure = error;
  }
  let moved: Awaited<ReturnType<typeof readHolder>> | undefined;
  try {
    moved = await readHolder(fs, aside, databasePath);
  } finally {
    // Put back what is not provably the stale lock: another process's lock, taken over in
    // between, or one that could not be read.
    const isStale =
      stale === "empty"
        ? moved === "empty"
        : typeof moved === "object" && moved.token === stale.token;
    if (moved !== "gone" && !isStale) {
      await fs.link(aside, lockPath).catch(() => undefined);
    }
    await fs.rm(aside, { force: true }).catch(() => undefined);
  }
  if (failure !== undefined) throw lockError("take over", lockPath, databasePath, failure);
}

function lockError(
  what: "create" | "read" | "take over" | "remove" | "close",
  lockPath: string,
  databasePath: string,
  cause: unknown,
): StorageError {
  return storageFailure(`${what} the lock file ${lockPath} of`, databasePath, cause);
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

/**
 * This boot of the host, where the system tells it (Linux); `null` elsewhere. Read from
 * the system, not through the database's file system.
 */
async function bootId(): Promise<string | null> {
  try {
    return (await readFile(BOOT_ID_FILE, "utf8")).trim() || null;
  } catch {
    return null;
  }
}

function heldLock(
  fs: FileSystem,
  lockPath: string,
  owner: LockHolder,
  databasePath: string,
  created: CreatedLock,
): FileLock {
  let released = false;
  return {
    check() {
      let now: FileStat | null;
      try {
        now = fs.statNow(lockPath);
      } catch (cause) {
        throw storageFailure("examine", lockPath, cause);
      }
      if (!isSameFile(now, created.stat)) {
        throw new DatabaseLockedError(
          databasePath,
          `its lock file ${lockPath} was ${now === null ? "deleted" : "replaced"} while this writer had it open, so another writer may have opened it; this writer acknowledges nothing more: close it and open the database again`,
        );
      }
    },
    async release() {
      if (released) return;
      released = true;
      let failure: unknown;
      try {
        const holder = await readHolder(fs, lockPath, databasePath);
        if (typeof holder === "object" && holder.token === owner.token) {
          await fs.rm(lockPath, { force: true }).catch((error: unknown) => {
            throw lockError("remove", lockPath, databasePath, error);
          });
        }
      } catch (error) {
        failure = error;
      }
      try {
        await fs.close(created.fd);
      } catch (error) {
        // The first failure is the one to report.
        failure ??= lockError("close", lockPath, databasePath, error);
      }
      if (failure !== undefined) throw failure;
    },
  };
}
