import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { RowTooLargeError } from "../../src/adapter/errors.js";
import { MAX_JOURNAL_PAYLOAD_BYTES, openSqlJsAdapter } from "../../src/adapter/sql-js-adapter.js";
import { DatabaseLockedError, StorageError } from "../../src/persistence/errors.js";
import { memoryPersistence } from "../../src/persistence/memory-persistence.js";
import type { JournalEntry, Persistence } from "../../src/persistence/persistence.js";

async function openWithTable(persistence: Persistence = memoryPersistence()) {
  const adapter = await openSqlJsAdapter({ persistence });
  await adapter.run("CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, v)");
  return adapter;
}

/** A memory persistence whose appends fail from the `failAt`-th on, counting from 1. */
function failingPersistence(failAt: number) {
  const inner = memoryPersistence();
  let appends = 0;
  let durable: JournalEntry[] = [];
  const persistence: Persistence = {
    location: "flaky",
    open: async () => ({ ...(await inner.open()), journal: durable }),
    async append(entries) {
      appends += 1;
      if (appends >= failAt) throw new Error("EIO: disk on fire");
      durable = [...durable, ...entries];
    },
    checkpoint: (snapshot) => inner.checkpoint(snapshot),
    close: () => inner.close(),
  };
  return persistence;
}

describe("SqlJsAdapter", () => {
  it("runs statements with positional parameters and reads rows as plain objects", async () => {
    const adapter = await openWithTable();
    const { changes } = await adapter.run("INSERT INTO t VALUES (?, ?), (?, ?)", [
      "a",
      1,
      "b",
      "x'); DROP TABLE t; --",
    ]);
    expect(changes).toBe(2);
    expect(await adapter.all("SELECT k, v FROM t ORDER BY k")).toEqual([
      { k: "a", v: 1 },
      { k: "b", v: "x'); DROP TABLE t; --" },
    ]);
    await adapter.close();
  });

  it("commits a transaction as one unit and returns what its function returned", async () => {
    const adapter = await openWithTable();
    const result = await adapter.transaction(async (tx) => {
      await tx.run("INSERT INTO t VALUES (?, ?)", ["a", 1]);
      await tx.run("INSERT INTO t VALUES (?, ?)", ["b", 2]);
      return (await tx.all("SELECT count(*) AS n FROM t"))[0];
    });
    expect(result).toEqual({ n: 2 });
    expect(await adapter.all("SELECT k FROM t ORDER BY k")).toEqual([{ k: "a" }, { k: "b" }]);
    await adapter.close();
  });

  it("rolls a transaction back when its function throws, and rethrows", async () => {
    const adapter = await openWithTable();
    await expect(
      adapter.transaction(async (tx) => {
        await tx.run("INSERT INTO t VALUES (?, ?)", ["a", 1]);
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    expect(await adapter.all("SELECT * FROM t")).toEqual([]);
    await adapter.close();
  });

  it("refuses a transaction's executor once the transaction has ended", async () => {
    const adapter = await openWithTable();
    let leaked: Parameters<Parameters<typeof adapter.transaction>[0]>[0] | undefined;
    await adapter.transaction(async (tx) => {
      leaked = tx;
    });
    await expect(leaked?.run("INSERT INTO t VALUES ('late', 1)")).rejects.toThrow("already ended");
    expect(await adapter.all("SELECT * FROM t")).toEqual([]);
    await adapter.close();
  });

  it("keeps other calls out of a transaction until it ends", async () => {
    const adapter = await openWithTable();
    const order: string[] = [];
    const inTransaction = adapter.transaction(async (tx) => {
      await tx.run("INSERT INTO t VALUES ('tx', 1)");
      await new Promise((resolve) => setTimeout(resolve, 20));
      order.push("transaction done");
      throw new Error("roll back");
    });
    const outside = adapter.all("SELECT k FROM t").then((rows) => {
      order.push("outside read");
      return rows;
    });
    await expect(inTransaction).rejects.toThrow("roll back");
    expect(await outside).toEqual([]);
    expect(order).toEqual(["transaction done", "outside read"]);
    await adapter.close();
  });

  it("reports a failed statement as a StorageError naming it, and keeps working", async () => {
    const adapter = await openWithTable();
    await adapter.run("INSERT INTO t VALUES ('a', 1)");
    const error = await adapter.run("INSERT INTO t VALUES ('a', 2)").catch((caught) => caught);
    expect(error).toBeInstanceOf(StorageError);
    expect(error.message).toContain("in \"INSERT INTO t VALUES ('a', 2)\"");
    expect(error.message).toContain("UNIQUE constraint failed");
    expect(await adapter.all("SELECT v FROM t")).toEqual([{ v: 1 }]);
    await adapter.close();
  });

  it("closes idempotently and refuses calls after close", async () => {
    const adapter = await openWithTable();
    await Promise.all([adapter.close(), adapter.close()]);
    await adapter.close();
    await expect(adapter.all("SELECT 1")).rejects.toMatchObject({ code: "STORAGE_CLOSED" });
  });

  it("closes itself when a commit cannot be made durable, keeping memory equal to disk", async () => {
    const persistence = failingPersistence(3);
    const adapter = await openWithTable(persistence);
    await adapter.run("INSERT INTO t VALUES ('kept', 1)");
    const failed = await adapter.run("INSERT INTO t VALUES ('lost', 2)").catch((caught) => caught);
    expect(failed).toBeInstanceOf(StorageError);
    expect(failed.message).toContain("could not be made durable");
    expect(failed.message).toContain("EIO: disk on fire");
    await expect(adapter.all("SELECT * FROM t")).rejects.toBe(failed);
    await adapter.close();

    const reopened = await openSqlJsAdapter({ persistence });
    expect(await reopened.all("SELECT k FROM t")).toEqual([{ k: "kept" }]);
    await reopened.close();
  });
});

/** A memory persistence that keeps a journal: every appended entry is recorded. */
function journalingPersistence() {
  const inner = memoryPersistence();
  const appended: JournalEntry[] = [];
  const persistence: Persistence = {
    location: "journaled",
    open: async () => ({ ...(await inner.open()), journal: [...appended] }),
    async append(entries) {
      appended.push(...entries);
    },
    checkpoint: (snapshot) => inner.checkpoint(snapshot),
    close: () => inner.close(),
  };
  return { persistence, appended };
}

describe("a change too large to journal", () => {
  // A lone surrogate has no UTF-8: the journal writes it escaped, \ud800, six bytes for one
  // character, so the strings stay a sixth of the limit.
  const sixBytes = (bytes: number) => "\ud800".repeat(Math.ceil(bytes / 6));

  it("is refused before the database changes; writes made with it are journaled, and the adapter stays open", async () => {
    const { persistence, appended } = journalingPersistence();
    const adapter = await openWithTable(persistence);
    const journaled = appended.length;
    const huge = sixBytes(MAX_JOURNAL_PAYLOAD_BYTES + 6);
    const insert = "INSERT INTO t VALUES (?, ?)";
    const [before, refused, after] = await Promise.allSettled([
      adapter.run(insert, ["a", 1]),
      adapter.run(insert, ["huge", huge]),
      adapter.run(insert, ["b", 2]),
    ]);
    expect(before.status).toBe("fulfilled");
    expect(after.status).toBe("fulfilled");
    const error = (refused as PromiseRejectedResult).reason;
    expect(error).toBeInstanceOf(RowTooLargeError);
    expect(error.code).toBe("ROW_TOO_LARGE");
    expect(error.path).toBe(`parameter 2 of "${insert}"`);
    expect(error.bytes).toBeGreaterThan(MAX_JOURNAL_PAYLOAD_BYTES);
    expect(error.limit).toBe(MAX_JOURNAL_PAYLOAD_BYTES);
    expect(error.message).toContain("more than the 536,870,888 one record holds");
    expect(error.message).toContain("nothing was written to journaled");
    expect(await adapter.all("SELECT k FROM t ORDER BY k")).toEqual([{ k: "a" }, { k: "b" }]);
    expect(appended.slice(journaled).map((entry) => entry.statements[0]?.params[0])).toEqual([
      "a",
      "b",
    ]);
    await adapter.run(insert, ["c", 3]);
    await adapter.close();
  });

  it("counts a transaction's statements together, and rolls the transaction back", async () => {
    const { persistence, appended } = journalingPersistence();
    const adapter = await openWithTable(persistence);
    const journaled = appended.length;
    const half = sixBytes(MAX_JOURNAL_PAYLOAD_BYTES / 2 + 6);
    const refused = await adapter
      .transaction(async (tx) => {
        await tx.run("INSERT INTO t VALUES (?, ?)", ["first", half]);
        await tx.run("INSERT INTO t VALUES (?, ?)", ["second", half]);
      })
      .catch((caught) => caught);
    expect(refused).toBeInstanceOf(RowTooLargeError);
    expect(refused.message).toContain("this statement, with the 1 before it in its transaction,");
    expect(await adapter.all("SELECT k FROM t")).toEqual([]);
    expect(appended).toHaveLength(journaled);
    await adapter.run("INSERT INTO t VALUES (?, ?)", ["after", 1]);
    expect(await adapter.all("SELECT k FROM t")).toEqual([{ k: "after" }]);
    await adapter.close();
  });
});

describe("memoryPersistence", () => {
  it("keeps the database across a close and reopen of the same persistence", async () => {
    const persistence = memoryPersistence();
    const first = await openWithTable(persistence);
    await first.run("INSERT INTO t VALUES ('a', 1)");
    await first.close();
    const second = await openSqlJsAdapter({ persistence });
    expect(await second.all("SELECT k, v FROM t")).toEqual([{ k: "a", v: 1 }]);
    await second.close();
  });

  it("lets one adapter at a time hold it", async () => {
    const persistence = memoryPersistence();
    const first = await openSqlJsAdapter({ persistence });
    await expect(openSqlJsAdapter({ persistence })).rejects.toBeInstanceOf(DatabaseLockedError);
    await first.close();
    await (await openSqlJsAdapter({ persistence })).close();
  });
});

describe("finding sql.js's WASM", () => {
  // sql.js initialises once per realm, so each case runs in a fresh process on the build.
  function openIn(mode: "default" | "locateFile" | "wasmBinary" | "nowhere") {
    const script = fileURLToPath(new URL("../support/open-with-wasm-config.mjs", import.meta.url));
    const output = execFileSync(process.execPath, [script, mode], {
      stdio: ["ignore", "pipe", "pipe"],
    }).toString();
    return JSON.parse(output) as { asked: string[]; version?: string; error?: string };
  }

  it("finds the WASM by itself under Node", () => {
    expect(openIn("default")).toEqual({ asked: [], version: expect.stringMatching(/^3\./) });
  });

  it("asks locateFile where the WASM is, and uses its answer", () => {
    expect(openIn("locateFile")).toEqual({
      asked: ["sql-wasm.wasm"],
      version: expect.stringMatching(/^3\./),
    });
  });

  it("takes the WASM bytes from wasmBinary, without looking for a file", () => {
    // locateFile is still asked for a name, but its answer (nowhere) is not used.
    expect(openIn("wasmBinary")).toMatchObject({ version: expect.stringMatching(/^3\./) });
  });

  it("fails to open, naming the cause, when the WASM is not where locateFile says", () => {
    expect(openIn("nowhere")).toEqual({
      asked: ["sql-wasm.wasm"],
      error: expect.stringMatching(
        /^Cannot load SQLite \(sql\.js and its WASM\): .*\/nowhere\/sql-wasm\.wasm/,
      ),
    });
  });
});
