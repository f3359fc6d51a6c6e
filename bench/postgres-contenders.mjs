// The contenders of the PostgreSQL bench, each on a table of its own in a schema of its own
// of the same server, each on a pool of the same size:
// - `store`: `openPostgresStore` of the built package, as a user calls it (serializes and
//   validates the negotiation in every save);
// - `adapter`: the package's `postgresAdapter` running the store's upsert with a row
//   serialized beforehand (no store): the adapter's own share of a save, for the profile;
// - `bare`: node-postgres alone, a named (prepared) statement on a `pg.Pool`, with the row
//   serialized beforehand: the floor.
// Every one saves the same 9 column values with `INSERT ... ON CONFLICT (thread_id) DO
// UPDATE`, and `update`s a thread by appending one transition and bumping its round.
import { TRANSITIONS } from "negotiation-state";
import {
  initPostgresNegotiationStateTable,
  openPostgresStore,
  POSTGRES_NEGOTIATION_STATE_DDL,
  postgresAdapter,
} from "negotiation-state/postgres";
import pg from "pg";
import { negotiationInput, serializedRow } from "./rows.mjs";
import { timestamp } from "./sql.mjs";

/** The table's columns, in the order of DESIGN §4: the row's seven, then the two times. */
export const COLUMNS = [
  ...["thread_id", "state", "round_count", "context_json", "campaign_json"],
  ...["cpm_tracker_json", "history_json", "created_at", "updated_at"],
];

/**
 * The store's upsert (src/store/negotiation-state-sql.ts), on `table`, with `placeholder(n)`
 * for the n-th parameter: every column but `created_at` is replaced on a conflict.
 */
export function upsertSql(table, placeholder) {
  const updates = COLUMNS.filter((c) => c !== "thread_id" && c !== "created_at")
    .map((c) => `${c} = excluded.${c}`)
    .join(", ");
  return `INSERT INTO ${table} (${COLUMNS.join(", ")})
  VALUES (${COLUMNS.map((_, i) => placeholder(i + 1)).join(", ")})
  ON CONFLICT (thread_id) DO UPDATE SET ${updates}`;
}

/** The 9 values of a row of `serializedRow`, its time as `created_at` and `updated_at`. */
function rowValues(row, now = timestamp()) {
  return [...COLUMNS.slice(0, 7).map((column) => row[column]), now, now];
}

/** `update`'s change: the event that leads on from `state` in an endless counter loop. */
export const NEXT_EVENT = { counter_received: "send_counter", counter_sent: "receive_reply" };

/** What `store.update` runs: one transition more, one round more. */
function nextRound(current) {
  current.stateMachine.trigger(NEXT_EVENT[current.stateMachine.state]);
  return { ...current, roundCount: current.roundCount + 1 };
}

export function quoteIdentifier(name) {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * @param {string} url
 * @param {string} schema created (with the table) when missing
 * @param {number} poolSize
 */
async function openStore(url, schema, poolSize) {
  const store = await openPostgresStore(
    { connectionString: url, maxConnections: poolSize },
    { schema },
  );
  return {
    save: (input) => store.save(input),
    update: (threadId) => store.update(threadId, nextRound),
    populate: (indices) =>
      store.transaction(async (tx) => {
        for (const index of indices) await tx.save(negotiationInput(index));
      }),
    close: () => store.close(),
  };
}

async function openAdapter(url, schema, poolSize) {
  const adapter = postgresAdapter({ connectionString: url, maxConnections: poolSize }, { schema });
  await initPostgresNegotiationStateTable(adapter);
  const upsert = upsertSql("negotiation_state", () => "?");
  return {
    save: (row) => adapter.run(upsert, rowValues(row)),
    populate: (indices) =>
      adapter.transaction(async (tx) => {
        for (const index of indices) await tx.run(upsert, rowValues(serializedRow(index)));
      }),
    close: () => adapter.close(),
  };
}

async function openBare(url, schema, poolSize) {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  const table = `${quoteIdentifier(schema)}.negotiation_state`;
  // The package's DDL as it is, on a connection closed afterwards: the pool's others keep
  // the default search_path, and every statement names the schema.
  const setup = await pool.connect();
  try {
    await setup.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
    await setup.query(`SET search_path TO ${quoteIdentifier(schema)}`);
    for (const ddl of POSTGRES_NEGOTIATION_STATE_DDL) await setup.query(ddl);
  } finally {
    setup.release(true);
  }
  const upsert = { name: "bench_bare_upsert", text: upsertSql(table, (n) => `$${n}`) };
  const select = {
    name: "bench_bare_select_for_update",
    text: `SELECT ${COLUMNS.join(", ")} FROM ${table} WHERE thread_id = $1 FOR UPDATE`,
  };
  return {
    save: (row) => pool.query({ ...upsert, values: rowValues(row) }),
    // The same exclusive read-change-write as the store's `update`, by hand: the row lock
    // of SELECT ... FOR UPDATE, the history as JSON, the whole row written back.
    async update(threadId) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const { rows } = await client.query({ ...select, values: [threadId] });
        const row = rows[0];
        const event = NEXT_EVENT[row.state];
        const state = TRANSITIONS[row.state][event];
        const history = JSON.parse(row.history_json);
        history.push([row.state, event, state]);
        const next = {
          ...row,
          state,
          round_count: Number(row.round_count) + 1,
          history_json: JSON.stringify(history),
        };
        await client.query({ ...upsert, values: rowValues(next) });
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    async populate(indices) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        for (const index of indices) {
          await client.query({ ...upsert, values: rowValues(serializedRow(index)) });
        }
        await client.query("COMMIT");
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

export const store = {
  name: "store",
  label: "store.save (openPostgresStore)",
  input: negotiationInput,
  open: openStore,
};

export const adapter = {
  name: "adapter",
  label: "postgresAdapter.run, row serialized beforehand",
  input: serializedRow,
  open: openAdapter,
};

export const bare = {
  name: "bare",
  label: "bare pg: prepared upsert on a pg.Pool, row serialized beforehand",
  input: serializedRow,
  open: openBare,
};
