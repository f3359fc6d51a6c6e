import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqlJsAdapter } from "../../src/adapter/sql-js-adapter.js";
import { filePersistence } from "../../src/persistence/file-persistence.js";
import { nodeFileSystem } from "../../src/persistence/file-system.js";
import { readDatabaseWithRoom } from "../../src/persistence/room-to-grow.js";

let folder: string;
let file: string;

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), "negotiation-state-room-"));
  file = join(folder, "negotiations.db");
});

afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** A database of `rows` rows of 4 KB, written by the file target and closed. */
async function databaseOf(rows: number): Promise<Uint8Array> {
  const adapter = await openSqlJsAdapter({ persistence: filePersistence(file) });
  await adapter.run("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)");
  await adapter.transaction(async (tx) => {
    for (let k = 0; k < rows; k++)
      await tx.run("INSERT INTO t VALUES (?, ?)", [k, "v".repeat(4000)]);
  });
  await adapter.close();
  return new Uint8Array(await readFile(file));
}

function python(script: string, ...args: string[]): string {
  return execFileSync("python3", ["-c", script, ...args], { encoding: "utf8" }).trim();
}

describe("readDatabaseWithRoom", () => {
  it("reads the file followed by zeros when its header counts its pages", async () => {
    const bytes = await databaseOf(100);
    const read = (await readDatabaseWithRoom(nodeFileSystem, file)) as Uint8Array;
    expect(read.length).toBeGreaterThanOrEqual(bytes.length + 1024 * 1024);
    expect(read.length % 65536).toBe(bytes.length % 65536);
    expect(read.subarray(0, bytes.length)).toEqual(bytes);
    expect(read.subarray(bytes.length).every((byte) => byte === 0)).toBe(true);
  });

  it("reads the bytes as they are when the header does not count the pages, or miscounts them", async () => {
    const bytes = await databaseOf(10);
    const stale = bytes.slice();
    stale[95] = (stale[95] as number) ^ 1; // version-valid-for no longer the change counter
    await writeFile(file, stale);
    expect(await readDatabaseWithRoom(nodeFileSystem, file)).toEqual(stale);
    const longer = new Uint8Array(bytes.length + 4096);
    longer.set(bytes);
    await writeFile(file, longer);
    expect(await readDatabaseWithRoom(nodeFileSystem, file)).toEqual(longer);
    await writeFile(file, "not a database");
    expect(await readDatabaseWithRoom(nodeFileSystem, file)).toEqual(
      new TextEncoder().encode("not a database"),
    );
    expect(await readDatabaseWithRoom(nodeFileSystem, join(folder, "missing.db"))).toBeNull();
  });

  it("lets the database grow into the room and past it, exporting only its pages", async () => {
    await databaseOf(200);
    // 1 MiB of room holds about 250 rows of 4 KB: 600 more go past it.
    const adapter = await openSqlJsAdapter({ persistence: filePersistence(file) });
    for (let k = 200; k < 800; k++) {
      await adapter.run("INSERT INTO t VALUES (?, ?)", [k, `${k}`.repeat(1000)]);
    }
    await adapter.run("DELETE FROM t WHERE k < 100");
    await adapter.close();
    const [pageSize, pageCount] = python(
      "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute('PRAGMA page_size').fetchone()[0], c.execute('PRAGMA page_count').fetchone()[0])",
      file,
    )
      .split(" ")
      .map(Number);
    expect((await stat(file)).size).toBe((pageSize as number) * (pageCount as number));
    expect(
      python(
        "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute('PRAGMA integrity_check').fetchone()[0], *c.execute('SELECT count(*), min(k), max(k), sum(length(v)) FROM t').fetchone())",
        file,
      ),
    ).toBe(
      `ok 700 100 799 ${100 * 4000 + [...Array(600).keys()].reduce((sum, i) => sum + `${i + 200}`.length * 1000, 0)}`,
    );
  });
});
