/**
 * The PostgreSQL adapter (DESIGN §7) against a real server: the store's `?` statements, integers
 * as numbers, transactions that commit whole or not at all (deadlocks retried, conflicts
 * reported, a swallowed statement error or a killed connection rolled back), closing, the
 * schema option, PostgreSQL's rules for thread ids, and the options it refuses.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TransactionConflictError } from "../../src/adapter/errors.js";
import { type PostgresAdapter, postgresAdapter } from "../../src/adapter/postgres-adapter.js";
import { postgresStatement } from "../../src/adapter/postgres-statement.js";
import { ValidationError } from "../../src/errors/validation-error.js";
import { StorageError } from "../../src/persistence/errors.js";
import { NegotiationStateStore } from "../../src/store/negotiation-state-store.js";
import { openPostgresStore } from "../../src/store/open-postgres-store.js";
import { initPostgresNegotiationStateTable } from "../../src/store/postgres-negotiation-state-table.js";
import { negotiation } from "../support/negotiations.js";
import { freshSchema, postgresUrl } from "../support/postgres-database.js";
import { queryPostgres, quotedIdentifier } from "../support/postgres-query.js";
import { thrownBy } from "../support/thrown-by.js";

/** One schema for the file: a table `pair (id, v)` the transaction tests change. */
const fresh = freshSchema("adapter");
const opened: PostgresAdapter[] = [];

/** An adapter on the file's schema, with rows 1 and 2 of `pair` at 0 and no other row. */
async function pairAdapter(options: { maxRetries?: number } = {}): Promise<PostgresAdapter> {
  const adapter = postgresAdapter(
    { connectionString: postgresUrl() },
    { schema: fresh.schema, ...options },
  );
  opened.push(adapter);
  await adapter.run("DELETE FROM pair");
  await adapter.run("INSERT INTO pair (id, v) VALUES (1, 0), (2, 0)");
  return adapter;
}

beforeAll(async () => {
  await queryPostgres(`CREATE SCHEMA ${quotedIdentifier(fresh.schema)}`);
  await queryPostgres(
    `CREATE TABLE ${quotedIdentifier(fresh.schema)}.pair (id INT PRIMARY KEY, v INT NOT NULL)`,
  );
});

afterAll(async () => {
  await Promise.all(opened.map((adapter) => adapter.close()));
  await fresh.drop();
});

async function pairValues(adapter: PostgresAdapter): Promise<Record<number, number>> {
  const rows = await adapter.all<{ id: number; v: number }>("SELECT id, v FROM pair ORDER BY id");
  return Object.fromEntries(rows.map(({ id, v }) => [id, v]));
}

/** Checks that `promise` rejects with an instance of `type` carrying `fields`. */
async function expectRejection(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => Error,
  fields: Record<string, unknown>,
): Promise<void> {
  const outcome = await promise.then(
    (value) => ({ resolvedWith: value }),
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(type);
  expect(outcome).toMatchObject(fields);
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/**
 * Two real transactions that deadlock: each adds 1 to one row of `pair`, waits until the other
 * holds its row, then adds 1 to the other row. PostgreSQL aborts one of them (40P01) after
 * its deadlock_timeout.
 */
function deadlockingPair(adapter: PostgresAdapter) {
  const holds = [deferred(), deferred()];
  let attempts = 0;
  const transfer = (first: number, second: number, mine: number) =>
    adapter.transaction(async (tx) => {
      attempts++;
      await tx.run("UPDATE pair SET v = v + 1 WHERE id = ?", [first]);
      holds[mine]?.resolve();
      await holds[1 - mine]?.promise;
      await tx.run("UPDATE pair SET v = v + 1 WHERE id = ?", [second]);
      return mine;
    });
  const outcomes = Promise.allSettled([transfer(1, 2, 0), transfer(2, 1, 1)]);
  return { outcomes, attempts: () => attempts };
}

describe("PostgresAdapter statements", () => {
  it("numbers the store's ? placeholders, leaving a ? inside quotes and comments as it is", async () => {
    expect(
      postgresStatement(`SELECT ? AS a, '?' AS b, 'it''s ?' AS c, "d?" AS d -- ?\n, ? /* ? */`)
        .text,
    ).toBe(`SELECT $1 AS a, '?' AS b, 'it''s ?' AS c, "d?" AS d -- ?\n, $2 /* ? */`);

    const adapter = await pairAdapter();
    const sql =
      "SELECT ?::text AS a, '?' AS literal, 'it''s ?' AS quoted, ?::int AS b, ?::text AS c";
    expect(await adapter.all(sql, ["x?", 5, "$1"])).toEqual([
      { a: "x?", literal: "?", quoted: "it's ?", b: 5, c: "$1" },
    ]);
    // The same text again, with other values: the statement prepared on the connection.
    expect(await adapter.all(sql, ["y", 6, "?"])).toEqual([
      { a: "y", literal: "?", quoted: "it's ?", b: 6, c: "?" },
    ]);
  });

  it("returns count(*) and BIGINT values as numbers, and a BIGINT beyond 2^53 as a bigint", async () => {
    const adapter = await pairAdapter();
    const [row] = await adapter.all(
      "SELECT count(*) AS n, 2147483648::bigint AS wide, 7::int AS small, 9007199254740993::bigint AS huge FROM pair",
    );
    expect(row).toEqual({ n: 2, wide: 2147483648, small: 7, huge: 9007199254740993n });
    expect(await adapter.run("UPDATE pair SET v = v WHERE id IN (?, ?)", [1, 2])).toEqual({
      changes: 2,
    });
  });
});

describe("PostgresAdapter transactions", () => {
  it("runs again the transaction PostgreSQL aborted for a deadlock, so both commit", async () => {
    const adapter = await pairAdapter();
    const { outcomes, attempts } = deadlockingPair(adapter);
    expect(await outcomes).toEqual([
      { status: "fulfilled", value: 0 },
      { status: "fulfilled", value: 1 },
    ]);
    // Three runs of the functions: the victim's aborted one, then its retry.
    expect(attempts()).toBe(3);
    expect(await pairValues(adapter)).toEqual({ 1: 2, 2: 2 });
  });

  it("with maxRetries 0 reports a deadlock as TransactionConflictError, committing nothing of it", async () => {
    const adapter = await pairAdapter({ maxRetries: 0 });
    const { outcomes, attempts } = deadlockingPair(adapter);
    const settled = await outcomes;
    const rejected = settled.filter((outcome) => outcome.status === "rejected");
    expect(rejected).toHaveLength(1);
    const error = (rejected[0] as PromiseRejectedResult).reason;
    expect(error).toBeInstanceOf(TransactionConflictError);
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ code: "TRANSACTION_CONFLICT", sqlState: "40P01", attempts: 1 });
    expect(attempts()).toBe(2);
    // Only the winner's two additions are there.
    expect(await pairValues(adapter)).toEqual({ 1: 1, 2: 1 });
  });

  it("runs a serialization failure again at most maxRetries times, then reports its SQLSTATE and attempts", async () => {
    const adapter = await pairAdapter({ maxRetries: 2 });
    const conflict = `DO $$ BEGIN RAISE EXCEPTION 'forced' USING ERRCODE = 'serialization_failure'; END $$`;
    let calls = 0;
    const always = adapter.transaction(async (tx) => {
      calls++;
      await tx.run("UPDATE pair SET v = v + 1 WHERE id = ?", [1]);
      await tx.run(conflict);
    });
    await expectRejection(always, TransactionConflictError, {
      code: "TRANSACTION_CONFLICT",
      sqlState: "40001",
      attempts: 3,
    });
    expect(calls).toBe(3);
    expect(await pairValues(adapter)).toEqual({ 1: 0, 2: 0 });

    // Once: the second run commits, and only it.
    let runs = 0;
    const once = await adapter.transaction(async (tx) => {
      runs++;
      await tx.run("UPDATE pair SET v = v + 1 WHERE id = ?", [1]);
      if (runs === 1) await tx.run(conflict);
      return runs;
    });
    expect(once).toBe(2);
    expect(await pairValues(adapter)).toEqual({ 1: 1, 2: 0 });
  });

  it("rolls back a transaction whose function swallowed a statement's error, and rejects", async () => {
    const adapter = await pairAdapter();
    const swallowed = adapter.transaction(async (tx) => {
      await tx.run("INSERT INTO pair (id, v) VALUES (?, ?)", [10, 10]);
      // Row 1 exists: the server refuses the insert and aborts the transaction.
      await tx.run("INSERT INTO pair (id, v) VALUES (?, ?)", [1, 1]).catch(() => {});
      await tx.run("UPDATE pair SET v = ? WHERE id = ?", [5, 2]).catch(() => {});
      return "went on";
    });
    await expectRejection(swallowed, StorageError, {
      code: "STORAGE_FAILED",
      cause: { code: "23505" },
    });
    expect(await pairValues(adapter)).toEqual({ 1: 0, 2: 0 });
    // The connection went back clean: the next transaction commits.
    await adapter.transaction((tx) => tx.run("UPDATE pair SET v = ? WHERE id = ?", [3, 2]));
    expect(await pairValues(adapter)).toEqual({ 1: 0, 2: 3 });
  });

  it("rejects with StorageError when the connection is killed mid-transaction, applies none of it, and the next call succeeds", async () => {
    const adapter = await pairAdapter();
    const killed = adapter.transaction(async (tx) => {
      await tx.run("INSERT INTO pair (id, v) VALUES (?, ?)", [20, 20]);
      const [backend] = await tx.all<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      await queryPostgres("SELECT pg_terminate_backend($1, 5000)", [backend?.pid]);
      await tx.run("INSERT INTO pair (id, v) VALUES (?, ?)", [21, 21]);
    });
    await expectRejection(killed, StorageError, { code: "STORAGE_FAILED" });
    expect(await pairValues(adapter)).toEqual({ 1: 0, 2: 0 });
    await adapter.transaction((tx) => tx.run("INSERT INTO pair (id, v) VALUES (?, ?)", [22, 22]));
    expect(await pairValues(adapter)).toEqual({ 1: 0, 2: 0, 22: 22 });
  });

  it("survives an idle pooled connection killed by the server: the next call takes a fresh one", async () => {
    const adapter = await pairAdapter();
    const [backend] = await adapter.all<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    // Unheard, the pool's `error` event for the broken idle connection would end the process.
    await queryPostgres("SELECT pg_terminate_backend($1, 5000)", [backend?.pid]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const [after] = await adapter.all<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    expect(after?.pid).not.toBe(backend?.pid);
  });

  it("keeps two adapters on one pool in their own schemas, even on the same connection", async () => {
    const pool = new pg.Pool({ connectionString: postgresUrl(), max: 1 });
    const [first, second] = [freshSchema("pool_a"), freshSchema("pool_b")];
    try {
      const stores = [];
      for (const { schema } of [first, second]) {
        const adapter = postgresAdapter({ pool }, { schema });
        await initPostgresNegotiationStateTable(adapter);
        stores.push(new NegotiationStateStore(adapter, { ownsAdapter: true }));
      }
      const [a, b] = stores as [NegotiationStateStore, NegotiationStateStore];
      await a.save(negotiation("only-in-a"));
      await b.save(negotiation("only-in-b"));
      expect((await a.loadAll()).map((row) => row.thread_id)).toEqual(["only-in-a"]);
      expect((await b.loadAll()).map((row) => row.thread_id)).toEqual(["only-in-b"]);
      expect(await a.load("only-in-b")).toBeNull();
      await Promise.all(stores.map((store) => store.close()));
    } finally {
      await pool.end();
      await Promise.all([first.drop(), second.drop()]);
    }
  });
});

/** How many connections of `application` the server has. */
async function connectionsOf(application: string): Promise<number | undefined> {
  const [row] = await queryPostgres<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1",
    [application],
  );
  return row?.n;
}

/** Whether the server dropped every connection of `application`: it does so a moment after the client hung up. */
async function connectionsGone(application: string): Promise<boolean> {
  for (let tries = 0; tries < 50; tries++) {
    if ((await connectionsOf(application)) === 0) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

describe("PostgresAdapter.close", () => {
  it("waits for the calls in flight, is idempotent, refuses later calls and ends the pool it made", async () => {
    const application = `close_${process.pid}_${Date.now()}`;
    const url = new URL(postgresUrl());
    url.searchParams.set("application_name", application);
    const adapter = postgresAdapter({ connectionString: url.href });
    await adapter.all("SELECT 1 AS one");
    expect(await connectionsOf(application)).toBe(1);

    const slow = adapter.all<{ done: number }>("SELECT 1 AS done FROM pg_sleep(0.2)");
    const closing = adapter.close();
    expect(adapter.close()).toBe(closing);
    expect(await slow).toEqual([{ done: 1 }]);
    await closing;
    for (const call of [
      () => adapter.run("SELECT 1"),
      () => adapter.all("SELECT 1"),
      () => adapter.transaction(async () => 1),
    ]) {
      await expectRejection(call(), StorageError, { code: "STORAGE_CLOSED" });
    }
    await adapter.close();
    expect(await connectionsGone(application)).toBe(true);
  });

  it("survives the server breaking its connections while the pool it made is ending", async () => {
    // Vitest fails the run on an error no one hears: the pool emits one when an idle
    // connection breaks, even while it ends. Each round races the two at another moment.
    const application = `close_break_${process.pid}_${Date.now()}`;
    const url = new URL(postgresUrl());
    url.searchParams.set("application_name", application);
    for (let round = 0; round < 20; round++) {
      const adapter = postgresAdapter({ connectionString: url.href });
      await adapter.all("SELECT 1 AS one");
      const breaking = queryPostgres(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
        [application],
      );
      await new Promise((resolve) => setTimeout(resolve, round));
      await adapter.close();
      await breaking;
    }
    expect(await connectionsGone(application)).toBe(true);
  });

  it("leaves a pool the caller passed open, and stops listening to it", async () => {
    const pool = new pg.Pool({ connectionString: postgresUrl() });
    try {
      const adapter = postgresAdapter({ pool });
      expect(pool.listenerCount("error")).toBe(1);
      await adapter.all("SELECT 1 AS one");
      await adapter.close();
      await expect(adapter.all("SELECT 1")).rejects.toMatchObject({ code: "STORAGE_CLOSED" });
      expect((await pool.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
      expect(pool.listenerCount("error")).toBe(0);
    } finally {
      await pool.end();
    }
  });
});

describe("PostgresAdapter options", () => {
  it("creates the table in the schema it is given, whatever its name holds", async () => {
    const schema = `${freshSchema("odd").schema} "Q" é`;
    const adapter = postgresAdapter({ connectionString: postgresUrl() }, { schema });
    try {
      await initPostgresNegotiationStateTable(adapter);
      const store = new NegotiationStateStore(adapter);
      await store.save(negotiation("in-schema"));
      expect(
        await queryPostgres(
          "SELECT table_schema FROM information_schema.tables WHERE table_name = 'negotiation_state' AND table_schema = $1",
          [schema],
        ),
      ).toEqual([{ table_schema: schema }]);
      expect(
        await queryPostgres(
          "SELECT indexname FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname",
          [schema],
        ),
      ).toEqual([{ indexname: "idx_neg_state_state" }, { indexname: "negotiation_state_pkey" }]);
      expect(
        await queryPostgres(`SELECT thread_id FROM ${quotedIdentifier(schema)}.negotiation_state`),
      ).toEqual([{ thread_id: "in-schema" }]);
      expect(adapter.schema).toBe(schema);
    } finally {
      await adapter.close();
      await queryPostgres(`DROP SCHEMA IF EXISTS ${quotedIdentifier(schema)} CASCADE`);
    }
  });

  it("refuses a connection, schema or retry count it cannot use, naming it", async () => {
    const url = postgresUrl();
    const refusals: [() => unknown, string][] = [
      [() => postgresAdapter({ connectionString: "" }), "connectionString"],
      [() => postgresAdapter({} as { connectionString: string }), "connectionString"],
      [() => postgresAdapter({ pool: {} as pg.Pool }), "pool"],
      [() => postgresAdapter({ connectionString: url }, { schema: "" }), "schema"],
      [() => postgresAdapter({ connectionString: url }, { schema: "a\0b" }), "schema"],
      [() => postgresAdapter({ connectionString: url }, { schema: "é".repeat(32) }), "schema"],
      [() => postgresAdapter({ connectionString: url }, { maxRetries: -1 }), "maxRetries"],
      [() => postgresAdapter({ connectionString: url }, { maxRetries: 1.5 }), "maxRetries"],
    ];
    for (const [make, path] of refusals) {
      const error = thrownBy(make);
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ code: "INVALID_INPUT", path });
    }
    await expect(openPostgresStore({ connectionString: "" })).rejects.toMatchObject({
      code: "INVALID_INPUT",
      path: "connectionString",
    });
    await expect(
      openPostgresStore({ connectionString: url }, { schema: "" }),
    ).rejects.toMatchObject({ code: "INVALID_INPUT", path: "schema" });
  });
});

describe("PostgreSQL's rule for thread ids, through the store", () => {
  it("refuses a NUL or more than 2,000 bytes of UTF-8 at threadId, and stores 2,000 bytes", async () => {
    const keys = freshSchema("keys");
    const store = await openPostgresStore(
      { connectionString: postgresUrl() },
      { schema: keys.schema },
    );
    try {
      const refused = ["a\0b", "\0", "x".repeat(2001), `${"é".repeat(1000)}x`, "😀".repeat(2000)];
      for (const threadId of refused) {
        const calls = [
          () => store.save(negotiation(threadId)),
          () => store.load(threadId),
          () => store.loadRow(threadId),
          () => store.update(threadId, () => negotiation(threadId)),
          () => store.delete(threadId),
        ];
        for (const call of calls) {
          await expectRejection(call(), ValidationError, {
            code: "INVALID_INPUT",
            path: "threadId",
          });
        }
      }
      const accepted = [
        "x".repeat(2000),
        "é".repeat(1000),
        "😀".repeat(500),
        `${"é".repeat(999)}xx`,
      ];
      for (const threadId of accepted) {
        await store.save(negotiation(threadId));
        expect((await store.load(threadId))?.threadId).toBe(threadId);
      }
      expect((await store.loadAll()).map((row) => row.thread_id).sort()).toEqual(
        [...accepted].sort(),
      );
    } finally {
      await store.close();
      await keys.drop();
    }
  });
});
