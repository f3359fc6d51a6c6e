import initSqlJs from "sql.js";
import { describe, expect, it } from "vitest";
import { openHandingOver } from "../../src/adapter/handed-over-bytes.js";
import type { SqlJsDatabase, SqlJsEngine } from "../../src/adapter/sql-js-engine.js";

const engine: SqlJsEngine = await initSqlJs();

function imageWithRows(count: number): Uint8Array {
  const db = new engine.Database();
  db.exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)");
  for (let k = 0; k < count; k++) db.run("INSERT INTO t VALUES (?, ?)", [k, "v".repeat(200)]);
  const image = db.export();
  db.close();
  return image;
}

function count(db: SqlJsDatabase): number {
  const statement = db.prepare("SELECT count(*) FROM t");
  statement.step();
  const [found] = statement.get();
  statement.free();
  return found as number;
}

describe("openHandingOver", () => {
  it("gives sql.js the array itself as its in-memory file: its writes land in it", () => {
    const bytes = imageWithRows(50);
    const before = Uint8Array.from(bytes);
    const db = openHandingOver(engine, bytes);
    expect(count(db)).toBe(50);
    db.run("UPDATE t SET v = ? WHERE k = 7", ["changed"]);
    // Had sql.js copied the array, the change would be in its copy only.
    expect(bytes).not.toEqual(before);
    const reopened = new engine.Database(db.export());
    expect(count(reopened)).toBe(50);
    reopened.close();
    db.close();
  });

  it("leaves the array a plain Uint8Array, even when the engine throws", () => {
    const bytes = imageWithRows(1);
    openHandingOver(engine, bytes).close();
    expect(Object.hasOwn(bytes, "slice")).toBe(false);
    const failing: SqlJsEngine = {
      Database: class {
        constructor() {
          throw new Error("no database");
        }
      } as unknown as SqlJsEngine["Database"],
    };
    expect(() => openHandingOver(failing, bytes)).toThrow("no database");
    expect(Object.hasOwn(bytes, "slice")).toBe(false);
  });

  it("gives an engine that slices part of the array, or another array, a copy", () => {
    const bytes = Uint8Array.of(1, 2, 3, 4);
    const slices: Uint8Array[] = [];
    const slicing: SqlJsEngine = {
      Database: class {
        constructor(data: Uint8Array) {
          slices.push(data.slice(1, 3), data.slice(0, 4), data.slice(0));
        }
      } as unknown as SqlJsEngine["Database"],
    };
    openHandingOver(slicing, bytes);
    const [part, whole, fromStart] = slices as [Uint8Array, Uint8Array, Uint8Array];
    expect([...part]).toEqual([2, 3]);
    expect(whole).toBe(bytes);
    expect(fromStart).not.toBe(bytes);
    expect([...fromStart]).toEqual([1, 2, 3, 4]);
  });
});
