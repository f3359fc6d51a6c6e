import { createRequire } from "node:module";
import initSqlJs from "sql.js";
import { describe, expect, it } from "vitest";
import { openSqlJsAdapter } from "../../src/adapter/sql-js-adapter.js";
import { StorageError } from "../../src/persistence/errors.js";
import { memoryPersistence } from "../../src/persistence/memory-persistence.js";

// One realm (this file's process) in which the application initialised sql.js itself
// before the package loaded it: sql.js hands that engine to every later call.

const wasmPath = createRequire(import.meta.url).resolve("sql.js/dist/sql-wasm.wasm");

describe("sql.js initialised by the application first", () => {
  it("shares that engine with an adapter that asks for nothing in particular", async () => {
    await initSqlJs();
    const adapter = await openSqlJsAdapter({ persistence: memoryPersistence() });
    await adapter.run("CREATE TABLE t (x)");
    await adapter.close();
  });

  it("refuses an adapter whose config names a WASM, since which one sql.js runs cannot be told", async () => {
    const failed = await openSqlJsAdapter({
      persistence: memoryPersistence(),
      sqlJs: { locateFile: () => wasmPath },
    }).catch((caught) => caught);
    expect(failed).toBeInstanceOf(StorageError);
    expect(failed.detail).toContain("initialised by other code");
  });
});
