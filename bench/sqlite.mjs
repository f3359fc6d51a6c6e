// The baseline: native SQLite through better-sqlite3 in WAL mode with synchronous=FULL (a
// commit is durable when it returns), on the same table and the same upsert, with rows
// serialized before timing.
import Database from "better-sqlite3";
import { NEGOTIATION_STATE_DDL } from "negotiation-state";
import { serializedRow } from "./rows.mjs";
import { SELECT_ACTIVE, TERMINAL, UPSERT, upsertParams } from "./sql.mjs";

const JSON_COLUMNS = ["context_json", "campaign_json", "cpm_tracker_json", "history_json"];

function openDatabase(path) {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  for (const statement of NEGOTIATION_STATE_DDL) db.exec(statement);
  return db;
}

export const sqlite = {
  name: "sqlite",
  label: "better-sqlite3 (WAL, synchronous=FULL)",
  input: serializedRow,

  async populate(path, count) {
    const db = openDatabase(path);
    const upsert = db.prepare(UPSERT);
    db.transaction(() => {
      for (let i = 0; i < count; i++) upsert.run(upsertParams(serializedRow(i)));
    })();
    db.close();
  },

  async open(path) {
    const db = openDatabase(path);
    const upsert = db.prepare(UPSERT);
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
      close: () => db.close(),
    };
  },
};
