import { describe, expect, it } from "vitest";
import { describeDomException } from "../../src/persistence/dom-exception.js";
import { CorruptDatabaseError, StorageError } from "../../src/persistence/errors.js";
import { JournaledTarget, type WriterLock } from "../../src/persistence/journaled-target.js";
import { storageFailure } from "../../src/persistence/storage-failure.js";
import { acquireWebLock, realmLockRequester } from "../../src/persistence/web-lock.js";

// What the file and IndexedDB targets share, on the realm's real lock: the checkpoint
// policy, the lock taken before the read and let go when the read fails, and the errors.

let lockNames = 0;

/** A fresh lock name and the taking of it, refused at once when held. */
function realmLock(location: string): { take: () => Promise<WriterLock>; name: string } {
  const name = `journaled-target-test-${++lockNames}`;
  return { name, take: () => acquireWebLock(realmLockRequester(), name, location, 0) };
}

/** Whether the lock is free now: taking it with no wait succeeds (and lets it go again). */
async function isFree(name: string): Promise<boolean> {
  try {
    await (await acquireWebLock(realmLockRequester(), name, "probe", 0)).release();
    return true;
  } catch {
    return false;
  }
}

describe("the checkpoint policy", () => {
  it("wants no checkpoint before open, nor after an open that found the journal empty", () => {
    const target = new JournaledTarget("db", 100);
    expect(target.wantsCheckpoint()).toBe(false);
    target.recordsFound(0, false);
    expect(target.wantsCheckpoint()).toBe(false);
  });

  it("wants one after an open that found anything in the journal, zeros alone included, until a checkpoint", () => {
    const target = new JournaledTarget("db", 100);
    target.recordsFound(0, true);
    expect(target.wantsCheckpoint()).toBe(true);
    target.checkpointed();
    expect(target.wantsCheckpoint()).toBe(false);
    target.recordsFound(10, true);
    expect(target.wantsCheckpoint()).toBe(true);
    target.recordsAppended(5);
    expect(target.wantsCheckpoint()).toBe(true);
    target.checkpointed();
    expect([target.wantsCheckpoint(), target.recordBytes]).toEqual([false, 0]);
  });

  it("wants one once the records since the last snapshot reach the threshold, not a byte before", () => {
    const target = new JournaledTarget("db", 100);
    target.recordsFound(0, false);
    target.recordsAppended(60);
    target.recordsAppended(39);
    expect([target.recordBytes, target.wantsCheckpoint()]).toEqual([99, false]);
    target.recordsAppended(1);
    expect([target.recordBytes, target.wantsCheckpoint()]).toEqual([100, true]);
    target.recordsCutAt(40);
    expect([target.recordBytes, target.wantsCheckpoint()]).toEqual([40, false]);
  });
});

describe("opening under the writer lock", () => {
  it("holds the lock from a successful open until release, which is idempotent", async () => {
    const { take, name } = realmLock("db");
    const target = new JournaledTarget("db", 100);
    expect(
      await target.open(
        take,
        async () => "stored",
        () => undefined,
      ),
    ).toBe("stored");
    expect(target.lock).toBeDefined();
    expect(await isFree(name)).toBe(false);
    await target.release();
    await target.release();
    expect(target.lock).toBeUndefined();
    expect(await isFree(name)).toBe(true);
  });

  it("reads only once the lock is held, and a lock held elsewhere refuses before any read", async () => {
    const { take, name } = realmLock("db");
    const holder = await take();
    let reads = 0;
    const refused = await new JournaledTarget("db", 100)
      .open(
        take,
        async () => {
          reads++;
        },
        () => undefined,
      )
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({ name: "DatabaseLockedError", code: "DATABASE_LOCKED" });
    expect(reads).toBe(0);
    await holder.release();
    expect(await isFree(name)).toBe(true);
  });

  it("after a failed read, abandons what it opened, lets the lock go and throws a StorageError naming the place", async () => {
    const { take, name } = realmLock("/data/negotiations.db");
    const target = new JournaledTarget("/data/negotiations.db", 100);
    const cause = new Error("EIO: i/o error, read");
    let abandoned = 0;
    const refused = await target
      .open(
        take,
        async () => {
          throw cause;
        },
        () => {
          abandoned++;
        },
      )
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(StorageError);
    expect(refused).toMatchObject({
      code: "STORAGE_FAILED",
      message: "Cannot open /data/negotiations.db: EIO: i/o error, read",
      location: "/data/negotiations.db",
      cause,
    });
    expect(abandoned).toBe(1);
    expect(target.lock).toBeUndefined();
    expect(await isFree(name)).toBe(true);
  });

  it("throws the package's own errors from a failed read as they are, even when abandoning fails too", async () => {
    const { take, name } = realmLock("db");
    const corrupt = new CorruptDatabaseError("db", "journal record 3 fails its checksum");
    const refused = await new JournaledTarget("db", 100)
      .open(
        take,
        async () => {
          throw corrupt;
        },
        async () => {
          throw new Error("close failed");
        },
      )
      .catch((error: unknown) => error);
    expect(refused).toBe(corrupt);
    expect(await isFree(name)).toBe(true);
  });
});

describe("the errors of a failed step", () => {
  it("read 'Cannot <step> <place>: <why>', naming another place when given, with cause and location", () => {
    const target = new JournaledTarget("/data/negotiations.db", 100);
    const cause = new Error("ENOSPC: no space left on device");
    expect(
      target.failure("empty the journal", cause, "/data/negotiations.db.ns-journal"),
    ).toMatchObject({
      code: "STORAGE_FAILED",
      message:
        "Cannot empty the journal /data/negotiations.db.ns-journal: ENOSPC: no space left on device",
      location: "/data/negotiations.db.ns-journal",
      cause,
    });
    expect(target.wrap("write the database", cause)).toMatchObject({
      message: "Cannot write the database /data/negotiations.db: ENOSPC: no space left on device",
    });
    const lost = new CorruptDatabaseError("/data/negotiations.db", "torn");
    expect(target.wrap("write the database", lost)).toBe(lost);
  });

  it("name a DOMException's kind where the target describes its failures so, and only there", () => {
    const quota = new DOMException("The quota has been exceeded.", "QuotaExceededError");
    expect(describeDomException(quota)).toBe("QuotaExceededError: The quota has been exceeded.");
    expect(describeDomException(new TypeError("bad name"))).toBe("bad name");
    expect(describeDomException("a string")).toBe("a string");
    const browser = new JournaledTarget("indexeddb:n", 100, describeDomException);
    expect(browser.failure("append to the journal of", quota).message).toBe(
      "Cannot append to the journal of indexeddb:n: QuotaExceededError: The quota has been exceeded.",
    );
    expect(storageFailure("read", "/f.db", quota).message).toBe(
      "Cannot read /f.db: The quota has been exceeded.",
    );
  });
});
