import { describe, expect, it } from "vitest";
import { openSqlJsAdapter, type SqlJsAdapter } from "../../src/adapter/sql-js-adapter.js";
import { isNegotiationError } from "../../src/errors/negotiation-error.js";
import { memoryPersistence } from "../../src/persistence/memory-persistence.js";
import { awaitUsingWithoutNativeSymbol } from "../support/realm-without-async-dispose.js";

describe("SqlJsAdapter and await using", () => {
  it("closes the adapter when the block ends: later calls reject as closed, and its changes are checkpointed and the target released", async () => {
    const persistence = memoryPersistence();
    let used: SqlJsAdapter | undefined;
    {
      await using adapter = await openSqlJsAdapter({ persistence });
      await adapter.run("CREATE TABLE t (x TEXT)");
      await adapter.run("INSERT INTO t (x) VALUES (?)", ["kept"]);
      used = adapter;
    }
    const refused = await used.all("SELECT x FROM t").catch((error: unknown) => error);
    expect(isNegotiationError(refused, "STORAGE_CLOSED")).toBe(true);
    // memoryPersistence refuses a second open while one is open, and keeps only the
    // snapshot written at close: reopening proves both.
    const reopened = await openSqlJsAdapter({ persistence });
    expect(await reopened.all("SELECT x FROM t")).toEqual([{ x: "kept" }]);
    await reopened.close();
  });

  it("closes the adapter when the block throws", async () => {
    const persistence = memoryPersistence();
    let used: SqlJsAdapter | undefined;
    const failure = new Error("the caller failed mid-block");
    const thrown = await (async () => {
      await using adapter = await openSqlJsAdapter({ persistence });
      used = adapter;
      await adapter.run("CREATE TABLE t (x TEXT)");
      throw failure;
    })().catch((error: unknown) => error);
    expect(thrown).toBe(failure);
    const refused = await used?.run("DROP TABLE t").catch((error: unknown) => error);
    expect(isNegotiationError(refused, "STORAGE_CLOSED")).toBe(true);
    const reopened = await openSqlJsAdapter({ persistence });
    expect(await reopened.all("SELECT name FROM sqlite_master WHERE name = 't'")).toEqual([
      { name: "t" },
    ]);
    await reopened.close();
  });

  it("disposes with the promise of close(), so disposing and closing in any order close once", async () => {
    const adapter = await openSqlJsAdapter({ persistence: memoryPersistence() });
    const disposed = adapter[Symbol.asyncDispose]();
    expect(adapter.close()).toBe(disposed);
    expect(adapter[Symbol.asyncDispose]()).toBe(disposed);
    await disposed;
  });

  it("is disposable where the runtime has no Symbol.asyncDispose once the usual polyfill has run, as esbuild compiles await using", async () => {
    const result = await awaitUsingWithoutNativeSymbol(`
      const persistence = api.memoryPersistence();
      let used;
      {
        await using adapter = await api.openSqlJsAdapter({ persistence });
        await adapter.run("CREATE TABLE t (x TEXT)");
        await adapter.run("INSERT INTO t (x) VALUES (?)", ["kept"]);
        used = adapter;
      }
      const refused = await used.run("DROP TABLE t").then(() => "not closed", (error) => error.code);
      const reopened = await api.openSqlJsAdapter({ persistence });
      const rows = await reopened.all("SELECT x FROM t");
      await reopened.close();
      const prototype = Object.getPrototypeOf(used);
      return {
        refused,
        rows,
        disposer: typeof prototype[Symbol.for("Symbol.asyncDispose")],
        undefinedKey: Object.hasOwn(prototype, "undefined"),
      };
    `);
    expect(result.hasNativeSymbol).toBe(false);
    expect(result.value).toEqual({
      refused: "STORAGE_CLOSED",
      rows: [{ x: "kept" }],
      disposer: "function",
      undefinedKey: false,
    });
  });
});
