import { describe, expect, it } from "vitest";
import { openSqlJsAdapter } from "../../src/adapter/sql-js-adapter.js";
import { StorageError } from "../../src/persistence/errors.js";
import { memoryPersistence } from "../../src/persistence/memory-persistence.js";

// One realm (this file's process): sql.js keeps its first initialisation, failed or not.

// sql.js leaves a second, unhandled rejection of its own behind when its WASM is missing.
process.on("unhandledRejection", () => {});

describe("a realm whose first sql.js load failed", () => {
  it("fails the first adapter, naming where its locateFile pointed", async () => {
    const failed = await openSqlJsAdapter({
      persistence: memoryPersistence(),
      sqlJs: { locateFile: () => "/nowhere/sql-wasm.wasm" },
    }).catch((caught) => caught);
    expect(failed).toBeInstanceOf(StorageError);
    expect(failed.detail).toMatch(/^Cannot load SQLite \(sql\.js and its WASM\): .*\/nowhere\//);
  });

  it("fails a later adapter with another config too, saying that sql.js failed to load, rather than hang or give it nothing", async () => {
    const failed = await openSqlJsAdapter({ persistence: memoryPersistence() }).catch(
      (caught) => caught,
    );
    expect(failed).toBeInstanceOf(StorageError);
    expect(failed.detail).toContain(
      "failed to initialise with the WASM from /nowhere/sql-wasm.wasm",
    );
  });
});
