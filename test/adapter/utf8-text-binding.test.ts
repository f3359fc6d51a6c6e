import { describe, expect, it } from "vitest";
import { openSqlJsAdapter } from "../../src/adapter/sql-js-adapter.js";
import { Utf8TextBinding } from "../../src/adapter/utf8-text-binding.js";
import { memoryPersistence } from "../../src/persistence/memory-persistence.js";

const long = (text: string) => text.repeat(Math.ceil(80 / text.length));

// Every kind of text a row holds, each long enough to be bound as bytes.
const TEXTS = [
  long("plain ascii "),
  long('{"json": "with \\"quotes\\" and \\u0000 escapes"} '),
  long("emoji 🤝 and CJK 交渉 and RTL مفاوضة "),
  long("combining e\u0301 and U+FFFF \uffff "),
  long("an embedded NUL \u0000 kept "),
  long("'?' and -- not a comment "),
];

describe("Utf8TextBinding", () => {
  it("binds long well-formed text as UTF-8 bytes cast back to text, and nothing else", () => {
    const binding = new Utf8TextBinding();
    const text = long("x");
    const bound = binding.bind("INSERT INTO t (a, b, c, d) VALUES (?, '?', ?, ?) -- ?", [
      text,
      "short",
      42,
    ]);
    expect(bound.sql).toBe("INSERT INTO t (a, b, c, d) VALUES (CAST(? AS TEXT), '?', ?, ?) -- ?");
    expect(bound.params[0]).toEqual(new TextEncoder().encode(text));
    expect(bound.params.slice(1)).toEqual(["short", 42]);
  });

  it("binds text as it is when it has no UTF-8 form or the placeholders are not plain", () => {
    const binding = new Utf8TextBinding();
    const loneSurrogate = `${long("a")}\ud800`;
    expect(binding.bind("INSERT INTO t VALUES (?)", [loneSurrogate])).toEqual({
      sql: "INSERT INTO t VALUES (?)",
      params: [loneSurrogate],
    });
    const numbered = { sql: "INSERT INTO t VALUES (?1, ?1)", params: [long("a")] };
    expect(binding.bind(numbered.sql, numbered.params)).toEqual(numbered);
    const miscounted = { sql: "INSERT INTO t VALUES (?, ?)", params: [long("a")] };
    expect(binding.bind(miscounted.sql, miscounted.params)).toEqual(miscounted);
  });
});

describe("the sql.js adapter's text", () => {
  it("stores long text exactly as text, through the journal and a reopen too", async () => {
    const persistence = memoryPersistence();
    const adapter = await openSqlJsAdapter({ persistence });
    await adapter.run("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT, w)");
    for (const [k, text] of TEXTS.entries()) {
      await adapter.run("INSERT INTO t (k, v, w) VALUES (?, ?, ?)", [k, text, text]);
    }
    const read = async (a: typeof adapter) =>
      a.all<{ v: string; w: string; tv: string; tw: string }>(
        "SELECT v, w, typeof(v) AS tv, typeof(w) AS tw FROM t ORDER BY k",
      );
    const expected = TEXTS.map((text) => ({ v: text, w: text, tv: "text", tw: "text" }));
    expect(await read(adapter)).toEqual(expected);
    expect(
      await adapter.all("SELECT k FROM t WHERE v = ?", [TEXTS[2] as string]),
      "text bound as it is finds text bound as bytes",
    ).toEqual([{ k: 2 }]);
    await adapter.close();
    const reopened = await openSqlJsAdapter({ persistence });
    expect(await read(reopened)).toEqual(expected);
    await reopened.close();
  });

  it("binds text as it is in a new database made UTF-16 in the same session", async () => {
    const adapter = await openSqlJsAdapter({ persistence: memoryPersistence() });
    await adapter.run("PRAGMA encoding = 'UTF-16le'");
    await adapter.run("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)");
    for (const [k, text] of TEXTS.entries()) {
      await adapter.run("INSERT INTO t (k, v) VALUES (?, ?)", [k, text]);
    }
    const rows = await adapter.all<{ v: string }>("SELECT v FROM t ORDER BY k");
    expect(rows.map((row) => row.v)).toEqual(TEXTS);
    await adapter.close();
  });

  it("binds text as it is in a database whose encoding is UTF-16", async () => {
    const persistence = memoryPersistence();
    const creating = await openSqlJsAdapter({ persistence });
    await creating.run("PRAGMA encoding = 'UTF-16le'");
    await creating.run("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)");
    await creating.close();
    const adapter = await openSqlJsAdapter({ persistence });
    expect(await adapter.all("PRAGMA encoding")).toEqual([{ encoding: "UTF-16le" }]);
    for (const [k, text] of TEXTS.entries()) {
      await adapter.run("INSERT INTO t (k, v) VALUES (?, ?)", [k, text]);
    }
    const rows = await adapter.all<{ v: string }>("SELECT v FROM t ORDER BY k");
    expect(rows.map((row) => row.v)).toEqual(TEXTS);
    await adapter.close();
  });
});
