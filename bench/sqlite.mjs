// The SQLite baselines: the same table and the same upsert as the store (DESIGN §4), with
// rows serialized before timing. better-sqlite3 (native SQLite) in WAL mode with
// synchronous=FULL, a commit durable when it returns; and in memory, for the in-process
// work of a save without I/O.
import Database from "better-sqlite3";
import { NEGOTIATION_STATE_DDL } from "negotiation-state";
import { serializedRow } from "./rows.mjs";
import { SELECT_ACTIVE, TERMINAL, UPSERT, upsertParams } from "./sql.mjs";

const JSON_COLUMNS = ["context_json", "campaign_json", "cpm_tracker_json", "history_json"];

/**
 * A contender on a SQLite driver with better-sqlite3's shape: `exec`, `prepare` (statements
 * with `run(params)`, `all(params)` and, for some drivers, `finalize()`) and `close`.
 *
 * @param {object} options
 * @param {string} options.name short key used in results
 * @param {string} options.label
 * @param {(path: string) => object} options.connect opens a database, its pragmas set
 */
export function sqliteContender({ name, label, connect }) {
  /** Opens the database, with rows 0..fill-1 written in one transaction first. */
  async function open(path, fill = 0) {
    const db = connect(path);
    for (const statement of NEGOTIATION_STATE_DDL) db.exec(statement);
    const upsert = db.prepare(UPSERT);
    if (fill > 0) {
      db.exec("BEGIN");
      for (let i = 0; i < fill; i++) upsert.run(upsertParams(serializedRow(i)));
      db.exec("COMMIT");
    }
    const selectActive = db.prepare(SELECT_ACTIVE);
    return {
      // Autocommit: one durable transaction per save.
      save: (row) => {
        upsert.run(upsertParams(row));
      },
      restore: () =>
        selectActive.all(TERMINAL).map((row) => {
          for (const column of JSON_COLUMNS) row[column] = JSON.parse(row[column]);
          return row;
        }),
      close: () => {
        for (const statement of [upsert, selectActive]) statement.finalize?.();
        db.close();
      },
    };
  }
  return {
    name,
    label,
    input: serializedRow,
    open,
    /** Writes rows 0..count-1 in one transaction, then closes. */
    async populate(path, count) {
      await (await open(path, count)).close();
    },
  };
}

export const sqlite = sqliteContender({
  name: "sqlite",
  label: "better-sqlite3 (WAL, synchronous=FULL)",
  connect(path) {
    const db = new Database(path);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    return db;
  },
});

// An in-memory database ends with its connection: `populate` only notes the count, and
// `open` writes the rows into a fresh one before it returns.
const memoryRows = new Map();
const inMemory = sqliteContender({
  name: "sqliteMemory",
  label: "better-sqlite3 (:memory:)",
  connect: () => new Database(":memory:"),
});
export const sqliteMemory = {
  ...inMemory,
  async populate(path, count) {
    memoryRows.set(path, count);
  },
  open: (path) => inMemory.open(path, memoryRows.get(path) ?? 0),
};
