import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { openSqlJsAdapter, type SqlJsAdapter } from "../../src/adapter/sql-js-adapter.js";
import type { SqlJsConfig } from "../../src/adapter/sql-js-engine.js";
import { StorageError } from "../../src/persistence/errors.js";
import { memoryPersistence } from "../../src/persistence/memory-persistence.js";

// The package's own sql.js initialises once per realm, and this file is one realm (vitest
// runs each file in a process of its own): the cases run in order, on what those before
// them loaded. Nothing else in this file loads sql.js.

const wasmPath = createRequire(import.meta.url).resolve("sql.js/dist/sql-wasm.wasm");

/** A config whose `locateFile` answers `path` and records what it was asked. */
function locatingTo(path: string): { sqlJs: SqlJsConfig; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    sqlJs: {
      locateFile: (file) => {
        asked.push(file);
        return path;
      },
    },
  };
}

const open = (sqlJs?: SqlJsConfig) =>
  openSqlJsAdapter({ persistence: memoryPersistence(), ...(sqlJs && { sqlJs }) });

async function works(adapter: SqlJsAdapter): Promise<void> {
  await adapter.run("CREATE TABLE IF NOT EXISTS t (x)");
  expect(await adapter.run("INSERT INTO t VALUES (?)", [1])).toEqual({ changes: 1 });
  expect(await adapter.all("SELECT max(x) AS x FROM t")).toEqual([{ x: 1 }]);
}

describe("two configs of the package's sql.js in one realm", () => {
  let first: SqlJsAdapter;

  it("loads sql.js for the first adapter, with no config", async () => {
    first = await open();
    await works(first);
  });

  it("fails the second adapter, whose locateFile names a WASM that is not there, rather than give it the first one's", async () => {
    const nowhere = locatingTo("/nowhere/sql-wasm.wasm");
    const failed = await open(nowhere.sqlJs).catch((caught) => caught);
    expect(failed).toBeInstanceOf(StorageError);
    expect(failed.code).toBe("STORAGE_FAILED");
    expect(failed.detail).toContain("/nowhere/sql-wasm.wasm");
    expect(nowhere.asked).toEqual(["sql-wasm.wasm"]);
    await works(first);
  });

  it("shares the engine with an adapter whose locateFile names the WASM sql.js read", async () => {
    const here = locatingTo(wasmPath);
    const adapter = await open(here.sqlJs);
    await works(adapter);
    expect(here.asked).toEqual(["sql-wasm.wasm"]);
    // The same config again is known at once: locateFile is not asked twice.
    await (await open(here.sqlJs)).close();
    expect(here.asked).toEqual(["sql-wasm.wasm"]);
    await adapter.close();
  });

  it("refuses wasmBinary once sql.js runs the WASM it read from a file, since the two cannot be told apart", async () => {
    const failed = await open({ wasmBinary: await readFile(wasmPath) }).catch((caught) => caught);
    expect(failed).toBeInstanceOf(StorageError);
    expect(failed.detail).toContain("sqlJs.wasmBinary");
    await works(first);
    await first.close();
  });
});
