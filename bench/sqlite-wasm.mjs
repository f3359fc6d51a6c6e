// The second baseline: SQLite compiled to WebAssembly (node-sqlite3-wasm), whose VFS writes
// the file with Node's fs and syncs it with fsync. Its VFS has no shared memory, so WAL
// needs the exclusive locking mode (SQLite then keeps the WAL index in the heap); with
// synchronous=FULL, a commit is durable when it returns. A separate module, so that a
// process that measures better-sqlite3 alone does not load the WASM engine.
import wasm from "node-sqlite3-wasm";
import { sqliteContender } from "./sqlite.mjs";

export const sqliteWasm = sqliteContender({
  name: "sqliteWasm",
  label: "node-sqlite3-wasm (WAL, exclusive lock, synchronous=FULL)",
  connect(path) {
    const db = new wasm.Database(path);
    db.exec("PRAGMA locking_mode = EXCLUSIVE");
    const mode = db.get("PRAGMA journal_mode = WAL")?.journal_mode;
    if (mode !== "wal") throw new Error(`node-sqlite3-wasm: journal_mode ${mode}, not wal`);
    db.exec("PRAGMA synchronous = FULL");
    return db;
  },
});
