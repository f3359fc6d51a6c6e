import initSqlJs from "sql.js";
import { describe, expect, it } from "vitest";
import type { SqlJsDatabase, SqlJsEngine } from "../../src/adapter/sql-js-engine.js";
import { PREPARED_STATEMENTS, StatementCache } from "../../src/adapter/statement-cache.js";

const engine: SqlJsEngine = await initSqlJs();

/** A database whose prepared statements are counted, with a table t of one row. */
function countingDatabase(): { db: SqlJsDatabase; prepared: string[] } {
  const db = new engine.Database();
  db.exec("CREATE TABLE t (x); INSERT INTO t VALUES (1)");
  const prepared: string[] = [];
  const prepare = db.prepare.bind(db);
  db.prepare = (sql) => {
    prepared.push(sql);
    return prepare(sql);
  };
  return { db, prepared };
}

describe("StatementCache", () => {
  it("prepares a statement once and hands the same one out again", () => {
    const { db, prepared } = countingDatabase();
    const cache = new StatementCache(db);
    const first = cache.get("SELECT x FROM t");
    expect(cache.get("SELECT x FROM t")).toBe(first);
    expect(prepared).toEqual(["SELECT x FROM t"]);
    expect(first.step()).toBe(true);
    expect(first.get()).toEqual([1]);
    cache.clear();
    db.close();
  });

  it("keeps 32 statements by default, freeing the one prepared first to make room", () => {
    const { db, prepared } = countingDatabase();
    const cache = new StatementCache(db);
    const sql = (n: number) => `SELECT x + ${n} FROM t`;
    const oldest = cache.get(sql(0));
    for (let n = 1; n < PREPARED_STATEMENTS; n++) cache.get(sql(n));
    expect(cache.get(sql(0))).toBe(oldest);
    cache.get(sql(PREPARED_STATEMENTS));
    // Freed: sql.js refuses a freed statement.
    expect(() => oldest.step()).toThrow();
    expect(cache.get(sql(1)).step()).toBe(true);
    const again = cache.get(sql(0));
    expect(again).not.toBe(oldest);
    expect(prepared.filter((each) => each === sql(0))).toHaveLength(2);
    expect(PREPARED_STATEMENTS).toBe(32);
    cache.clear();
    db.close();
  });

  it("keeps nothing for SQL that cannot be prepared", () => {
    const { db, prepared } = countingDatabase();
    const cache = new StatementCache(db, 2);
    expect(() => cache.get("SELECT nope FROM t")).toThrow(/no such column/);
    expect(() => cache.get("SELECT nope FROM t")).toThrow(/no such column/);
    expect(prepared).toEqual(["SELECT nope FROM t", "SELECT nope FROM t"]);
    cache.clear();
    db.close();
  });

  it("frees every statement on clear, and prepares afresh after", () => {
    const { db } = countingDatabase();
    const cache = new StatementCache(db);
    const kept = [cache.get("SELECT 1"), cache.get("SELECT 2")];
    cache.clear();
    for (const statement of kept) expect(() => statement.step()).toThrow();
    expect(cache.get("SELECT 1")).not.toBe(kept[0]);
    cache.clear();
    db.close();
  });
});
