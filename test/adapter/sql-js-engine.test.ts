import { createRequire } from "node:module";
import initSqlJs from "sql.js";
import { describe, expect, it } from "vitest";
import { openSqlJsAdapter } from "../../src/adapter/sql-js-adapter.js";
import type { SqlJsEngine } from "../../src/adapter/sql-js-engine.js";
import { StorageError } from "../../src/persistence/errors.js";
import { memoryPersistence } from "../../src/persistence/memory-persistence.js";
import { openNegotiationStore } from "../../src/store/open-negotiation-store.js";

// Engines passed in. The package's own sql.js is never loaded in this file's realm: every
// adapter here runs on an engine the test gives it.

/** sql.js's single-file build (WASM inlined): another module than the package's sql.js. */
const initInlineSqlJs = createRequire(import.meta.url)(
  "sql.js/dist/sql-wasm-inline.js",
) as typeof initSqlJs;

/** An engine that runs sql.js's `Database` as it is, recording each database it opens. */
function recordingEngine(sqlJs: SqlJsEngine): { engine: SqlJsEngine; opened: unknown[] } {
  const opened: unknown[] = [];
  const engine: SqlJsEngine = {
    Database: class extends sqlJs.Database {
      constructor(data?: Uint8Array) {
        super(data);
        opened.push(this);
      }
    },
  };
  return { engine, opened };
}

async function roundTrip(adapter: Awaited<ReturnType<typeof openSqlJsAdapter>>) {
  await adapter.run("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)");
  await adapter.run("INSERT INTO t VALUES (?, ?)", ["a", 1]);
  return adapter.all("SELECT k, v FROM t");
}

describe("an engine passed in as sqlJs", () => {
  it("takes what initSqlJs() resolves to, typed by sql.js's own typings, as it is", async () => {
    const loaded: SqlJsEngine = await initSqlJs();
    const { engine, opened } = recordingEngine(loaded);
    const adapter = await openSqlJsAdapter({ persistence: memoryPersistence(), sqlJs: engine });
    expect(await roundTrip(adapter)).toEqual([{ k: "a", v: 1 }]);
    await adapter.close();
    expect(opened).toHaveLength(1);
  });

  it("runs each adapter on the engine it was given, two different sql.js modules in one realm", async () => {
    const inline = recordingEngine(await initInlineSqlJs());
    const packaged = recordingEngine(await initSqlJs());
    expect(inline.engine.Database).not.toBe(packaged.engine.Database);
    const first = await openSqlJsAdapter({
      persistence: memoryPersistence(),
      sqlJs: inline.engine,
    });
    const second = await openSqlJsAdapter({
      persistence: memoryPersistence(),
      sqlJs: packaged.engine,
    });
    expect(await roundTrip(first)).toEqual([{ k: "a", v: 1 }]);
    expect(await roundTrip(second)).toEqual([{ k: "a", v: 1 }]);
    await Promise.all([first.close(), second.close()]);
    expect([inline.opened.length, packaged.opened.length]).toEqual([1, 1]);
  });

  it("rebuilds a reopened database on the engine given to the reopening adapter", async () => {
    const persistence = memoryPersistence();
    const writer = await openSqlJsAdapter({ persistence, sqlJs: await initSqlJs() });
    await roundTrip(writer);
    await writer.close();
    const { engine, opened } = recordingEngine(await initInlineSqlJs());
    const reader = await openSqlJsAdapter({ persistence, sqlJs: engine });
    expect(await reader.all("SELECT k, v FROM t")).toEqual([{ k: "a", v: 1 }]);
    await reader.close();
    expect(opened).toHaveLength(1);
  });
});

describe("a function passed in as sqlJs", () => {
  it("is called once, however many adapters it opens, at once or later", async () => {
    let calls = 0;
    const { engine, opened } = recordingEngine(await initInlineSqlJs());
    const load = async () => {
      calls += 1;
      return engine;
    };
    const together = await Promise.all(
      [1, 2].map(() => openSqlJsAdapter({ persistence: memoryPersistence(), sqlJs: load })),
    );
    const later = await openSqlJsAdapter({ persistence: memoryPersistence(), sqlJs: load });
    for (const adapter of [...together, later]) {
      expect(await roundTrip(adapter)).toEqual([{ k: "a", v: 1 }]);
      await adapter.close();
    }
    expect(calls).toBe(1);
    expect(opened).toHaveLength(3);
  });

  it("may return the engine itself rather than a promise, and reaches the adapter through openNegotiationStore", async () => {
    let calls = 0;
    const { engine, opened } = recordingEngine(await initSqlJs());
    const load = () => {
      calls += 1;
      return engine;
    };
    const store = await openNegotiationStore({ persistence: memoryPersistence(), sqlJs: load });
    expect(await store.loadActive()).toEqual([]);
    await store.close();
    expect([calls, opened.length]).toEqual([1, 1]);
  });

  it("is called again after it failed, and the failure is a StorageError with its cause", async () => {
    let calls = 0;
    const unreachable = new Error("fetch failed: the CDN is down");
    const engine = await initInlineSqlJs();
    const load = async () => {
      calls += 1;
      if (calls === 1) throw unreachable;
      return engine;
    };
    const failed = await openSqlJsAdapter({ persistence: memoryPersistence(), sqlJs: load }).catch(
      (caught) => caught,
    );
    expect(failed).toBeInstanceOf(StorageError);
    expect(failed.code).toBe("STORAGE_FAILED");
    expect(failed.cause).toBe(unreachable);
    const adapter = await openSqlJsAdapter({ persistence: memoryPersistence(), sqlJs: load });
    expect(await roundTrip(adapter)).toEqual([{ k: "a", v: 1 }]);
    await adapter.close();
    expect(calls).toBe(2);
  });

  it("is refused, with nothing held, when what it gives is not a sql.js engine", async () => {
    const persistence = memoryPersistence();
    const notAnEngine = (() => ({ version: "1.16.0" })) as unknown as () => SqlJsEngine;
    const failed = await openSqlJsAdapter({ persistence, sqlJs: notAnEngine }).catch(
      (caught) => caught,
    );
    expect(failed).toBeInstanceOf(StorageError);
    expect(failed.code).toBe("STORAGE_FAILED");
    // The persistence was never taken: another adapter opens it.
    const adapter = await openSqlJsAdapter({ persistence, sqlJs: await initSqlJs() });
    await adapter.close();
  });
});
