import pg from "pg";
import { ValidationError } from "../errors/validation-error.js";
import { StorageError } from "../persistence/errors.js";
import { TransactionConflictError } from "./errors.js";
import { isConnectionFailure, postgresFailure, retryableSqlState } from "./postgres-failure.js";
import { postgresStatement, quoteIdentifier } from "./postgres-statement.js";
import type {
  SqlExecutor,
  SqlRow,
  SqlRunResult,
  SqlValue,
  StorageAdapter,
} from "./storage-adapter.js";

/**
 * Listens for a connection's errors (a server restart breaks connections).
 *
 * @param error - What broke it.
 */
export type PostgresErrorListener = (error: Error) => void;

/**
 * What the adapter uses of a node-postgres `Pool` (a `pg.Pool` is one): connections to
 * check out, and its `error` event, which it emits when an idle connection breaks.
 */
export interface PostgresPool {
  /**
   * Checks out a connection.
   *
   * @returns The connection, to `release()` after use.
   */
  connect(): Promise<PostgresClient>;
  /**
   * Closes every connection.
   *
   * @returns Once they are closed.
   */
  end(): Promise<void>;
  /**
   * Listens for errors of idle connections.
   *
   * @param event - `"error"`.
   * @param listener - Gets the error.
   */
  on(event: "error", listener: PostgresErrorListener): unknown;
  /**
   * Stops listening.
   *
   * @param event - `"error"`.
   * @param listener - The listener given to `on`.
   */
  removeListener(event: "error", listener: PostgresErrorListener): unknown;
}

/** A statement as the adapter sends it to node-postgres. */
export interface PostgresQuery {
  /** The SQL, with `$1`-style placeholders. */
  text: string;
  /** The values of its placeholders. */
  values?: unknown[];
  /** The prepared statement's name, when it is prepared once per connection. */
  name?: string;
  /** How result columns are parsed (node-postgres's `types`). */
  types?: unknown;
}

/** What node-postgres answers to a statement, as far as the adapter reads it. */
export interface PostgresResult {
  /** The rows, as plain objects keyed by column name. */
  rows: unknown[];
  /** How many rows the statement returned or changed. */
  rowCount: number | null;
  /** The command tag: `INSERT`, `COMMIT`, `ROLLBACK`... */
  command: string;
}

/** What the adapter uses of a node-postgres `PoolClient`. */
export interface PostgresClient {
  /**
   * Runs one statement.
   *
   * @param config - The statement.
   * @returns The server's answer.
   */
  query(config: PostgresQuery): Promise<PostgresResult>;
  /**
   * Returns the connection to its pool.
   *
   * @param destroy - `true` (or an error) closes it instead.
   */
  release(destroy?: boolean | Error): void;
  /**
   * Listens for the connection's errors.
   *
   * @param event - `"error"`.
   * @param listener - Gets the error.
   */
  on(event: "error", listener: PostgresErrorListener): unknown;
  /**
   * Stops listening.
   *
   * @param event - `"error"`.
   * @param listener - The listener given to `on`.
   */
  removeListener(event: "error", listener: PostgresErrorListener): unknown;
}

/** Where the database is: a connection string (the adapter makes its pool) or a pool. */
export type PostgresConnection =
  | {
      /** `postgres://user:password@host:5432/database`, or any form node-postgres takes. */
      readonly connectionString: string;
      /** How many connections the adapter's pool opens at most; 10 by default. */
      readonly maxConnections?: number;
    }
  | {
      /** A pool of your own: the adapter uses it and leaves it open on `close()`. */
      readonly pool: PostgresPool;
    };

/** Options of {@link postgresAdapter}. */
export interface PostgresAdapterOptions {
  /**
   * The schema that holds the table (the server's default `search_path`, usually `public`,
   * when absent). The adapter sets each connection's `search_path` to it before use, and
   * leaves it so: with a `pool` of yours, your own queries on its connections see that
   * path too (qualify your tables, or give the adapter a pool of its own).
   */
  readonly schema?: string;
  /**
   * How many times a transaction runs again after the server aborted it for a deadlock or
   * a serialization failure before `TransactionConflictError` is thrown; 8 by default.
   */
  readonly maxRetries?: number;
}

/**
 * PostgreSQL refuses an index row above ~2,700 bytes; DESIGN §7 draws the line for a thread
 * id at 2,000 bytes of UTF-8.
 */
export const MAX_POSTGRES_KEY_BYTES = 2000;

/** `count(*)` and BIGINT columns as numbers (bigints beyond 2^53), as `SqlJsAdapter` returns integers. */
const TYPES = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === pg.types.builtins.INT8) return parseInteger;
    return pg.types.getTypeParser(oid, format);
  },
};

/** Which `search_path` each connection was given, so it is set once per connection. */
const searchPaths = /* @__PURE__ */ new WeakMap<PostgresClient, string>();

/**
 * The {@link StorageAdapter} on PostgreSQL (DESIGN §7), through node-postgres. Calls run side
 * by side on the pool's connections; `transaction` is one connection's `BEGIN`...`COMMIT`
 * (READ COMMITTED), and `tx.lock(key)` a transaction-level advisory lock, which is how the
 * store's `update` owns a thread across processes and machines. A call resolves once
 * PostgreSQL reports its commit; a broken connection rejects the calls on it with a
 * `StorageError` (what was not committed is not applied) and the next call takes a fresh
 * one. Deadlocks and serialization failures run the transaction again, at most
 * `maxRetries` times.
 */
export class PostgresAdapter implements StorageAdapter {
  /** The database, as messages name it: the connection string without its password. */
  readonly location: string;
  /** The schema, when one was given. */
  readonly schema: string | undefined;
  readonly #pool: PostgresPool;
  readonly #ownsPool: boolean;
  readonly #maxRetries: number;
  readonly #searchPath: string;
  readonly #inFlight = new Set<Promise<unknown>>();
  #closing: Promise<void> | undefined;

  /**
   * Prefer {@link postgresAdapter}, which says the same.
   *
   * @param connection - A connection string or a pool.
   * @param options - Schema and retries.
   * @throws `ValidationError` (code `INVALID_INPUT`) for a connection, schema or retry
   *   count that cannot be used, naming it.
   */
  constructor(connection: PostgresConnection, options: PostgresAdapterOptions = {}) {
    this.schema = checkedSchema(options.schema);
    this.#searchPath = this.schema === undefined ? "" : quoteIdentifier(this.schema);
    this.#maxRetries = checkedRetries(options.maxRetries);
    if ("pool" in connection && connection.pool !== undefined) {
      if (typeof connection.pool?.connect !== "function") {
        throw new ValidationError("pool", "must be a node-postgres Pool (with a connect method)");
      }
      this.#pool = connection.pool;
      this.#ownsPool = false;
      this.location = poolLocation(connection.pool);
    } else {
      const { connectionString, maxConnections } = connection as {
        connectionString?: unknown;
        maxConnections?: number;
      };
      if (typeof connectionString !== "string" || connectionString.length === 0) {
        throw new ValidationError(
          "connectionString",
          "must be a PostgreSQL connection string (postgres://user@host/database), or pass { pool }",
        );
      }
      this.#pool = new pg.Pool({
        connectionString,
        max: maxConnections ?? 10,
        connectionTimeoutMillis: 10_000,
      }) as unknown as PostgresPool;
      this.#ownsPool = true;
      this.location = withoutPassword(connectionString);
    }
    this.#pool.on("error", ignoreIdleError);
  }

  /**
   * PostgreSQL's rule for a thread id beside the store's own: no NUL character (its text
   * cannot hold one), at most {@link MAX_POSTGRES_KEY_BYTES} bytes of UTF-8 (its index).
   *
   * @param key - The text.
   * @returns The problem, or `undefined` when PostgreSQL stores it.
   */
  keyProblem(key: string): string | undefined {
    const nul = key.indexOf("\0");
    if (nul !== -1) {
      return `must not contain a NUL character (\\u0000, at index ${nul}): PostgreSQL text cannot hold one`;
    }
    // A UTF-16 unit is at most 3 bytes of UTF-8: most ids need no count.
    if (key.length * 3 <= MAX_POSTGRES_KEY_BYTES) return undefined;
    const bytes = utf8Length(key);
    if (bytes > MAX_POSTGRES_KEY_BYTES) {
      return `must be at most ${MAX_POSTGRES_KEY_BYTES} bytes of UTF-8 on PostgreSQL, whose primary-key index holds no longer key; it has ${bytes}`;
    }
    return undefined;
  }

  /**
   * Runs one statement (`?` placeholders) on a connection of the pool, as its own
   * transaction.
   *
   * @param sql - One SQL statement.
   * @param params - The values of its placeholders, in order.
   * @returns How many rows it changed, once PostgreSQL reports the commit.
   * @throws `StorageError` (code `STORAGE_FAILED`) naming the statement when the server
   *   refuses it or the connection breaks (then it was not applied, unless the break came
   *   after the server committed); `STORAGE_CLOSED` once the adapter is closed.
   */
  run(sql: string, params?: readonly SqlValue[]): Promise<SqlRunResult> {
    return this.#withClient(async (client) => ({
      changes: (await this.#query(client, sql, params)).rowCount ?? 0,
    }));
  }

  /**
   * Runs one query (`?` placeholders) on a connection of the pool.
   *
   * @typeParam Row - The shape of a row, as the caller knows it from its query.
   * @param sql - One SQL query.
   * @param params - The values of its placeholders, in order.
   * @returns Every row as a plain object keyed by column name; `BIGINT`s as numbers
   *   (bigints beyond 2^53), text as strings.
   * @throws `StorageError` (code `STORAGE_FAILED`) naming the query when the server refuses
   *   it or the connection breaks; `STORAGE_CLOSED` once the adapter is closed.
   */
  all<Row extends SqlRow = SqlRow>(sql: string, params?: readonly SqlValue[]): Promise<Row[]> {
    return this.#withClient(
      async (client) => (await this.#query(client, sql, params)).rows as Row[],
    );
  }

  /**
   * Runs `fn` in one transaction on one connection: `BEGIN`, its statements, `COMMIT`. Other
   * calls run beside it; `tx.lock(key)` makes transactions that lock the same key take
   * turns. When the server aborts it for a deadlock (`40P01`) or a serialization failure
   * (`40001`), it is rolled back and `fn` runs again, with a short random pause, at most
   * `maxRetries` times.
   *
   * @typeParam T - What `fn` resolves to.
   * @param fn - The work; must do nothing but run statements through `tx` and compute.
   * @returns What `fn` returned, once PostgreSQL reports the commit.
   * @throws What `fn` threw (rolled back); `TransactionConflictError` (code
   *   `TRANSACTION_CONFLICT`) when every attempt was aborted; `StorageError` when a
   *   statement or the commit fails or the connection breaks (then the commit may or may
   *   not have happened only if the connection broke during `COMMIT` itself).
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.#track(async () => {
      for (let attempt = 1; ; attempt++) {
        const outcome = await this.#attempt(fn);
        if ("value" in outcome) return outcome.value;
        if (attempt > this.#maxRetries) {
          throw new TransactionConflictError(this.location, outcome.sqlState, attempt, {
            cause: outcome.error,
          });
        }
        await pause(attempt);
      }
    });
  }

  /**
   * Waits for the calls in flight, then ends the pool the adapter made; a pool the caller
   * passed stays open. Idempotent; later calls reject with `STORAGE_CLOSED`.
   *
   * @returns Once the calls in flight settled and the adapter's pool is closed.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.allSettled(this.#inFlight);
      // The adapter's own pool keeps the listener: a connection the server breaks while
      // the pool ends still reports to it (unheard, the error would end the process).
      if (this.#ownsPool) await this.#pool.end();
      else this.#pool.removeListener("error", ignoreIdleError);
    })();
    return this.#closing;
  }

  /**
   * Closes the adapter as {@link PostgresAdapter.close} does, for `await using`.
   *
   * @returns The promise of `close()`.
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** One try of a transaction: its value, or the SQLSTATE of an abort that asks for another. */
  async #attempt<T>(
    fn: (tx: SqlExecutor) => Promise<T>,
  ): Promise<{ value: T } | { sqlState: string; error: unknown }> {
    const client = await this.#checkout();
    // Only a connection known to be outside any transaction goes back to the pool.
    let clean = false;
    try {
      await this.#command(client, "BEGIN");
      const tx = new PostgresTransaction(this.location, this.#searchPath, (sql, params) =>
        this.#query(client, sql, params),
      );
      let value: T;
      try {
        value = await fn(tx);
      } finally {
        tx.end();
      }
      // A statement that failed aborted the transaction, even when `fn` caught its error:
      // its COMMIT would only roll back.
      if (tx.failure !== undefined) throw tx.failure;
      try {
        const commit = await this.#command(client, "COMMIT");
        clean = true;
        if (commit.command !== "COMMIT") {
          throw postgresFailure(this.location, "COMMIT", `the server answered ${commit.command}`);
        }
      } catch (error) {
        const sqlState = retryableSqlState(error);
        if (sqlState === undefined) throw error;
        clean = true;
        return { sqlState, error };
      }
      return { value };
    } catch (error) {
      if (clean) throw error;
      // A connection that cannot even roll back is closed, and the first failure reported.
      await this.#command(client, "ROLLBACK").then(
        () => {
          clean = true;
        },
        () => {},
      );
      // After a deadlock or serialization abort, whatever `fn` made of it, run it again.
      const sqlState = clean ? retryableSqlState(error) : undefined;
      if (sqlState !== undefined) return { sqlState, error };
      throw error;
    } finally {
      this.#release(client, !clean);
    }
  }

  /** Runs `work` on a checked-out connection, counted as in flight. */
  #withClient<T>(work: (client: PostgresClient) => Promise<T>): Promise<T> {
    return this.#track(async () => {
      const client = await this.#checkout();
      let broken = false;
      try {
        return await work(client);
      } catch (error) {
        broken = isConnectionFailure(error);
        throw error;
      } finally {
        this.#release(client, broken);
      }
    });
  }

  /** Counts a call as in flight until it settles, so `close()` waits for it. */
  #track<T>(call: () => Promise<T>): Promise<T> {
    if (this.#closing) {
      return Promise.reject(
        new StorageError(`The PostgreSQL adapter on ${this.location} is closed`, {
          code: "STORAGE_CLOSED",
          location: this.location,
        }),
      );
    }
    const promise = call();
    this.#inFlight.add(promise);
    const settled = () => this.#inFlight.delete(promise);
    promise.then(settled, settled);
    return promise;
  }

  async #checkout(): Promise<PostgresClient> {
    let client: PostgresClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw postgresFailure(this.location, "connecting", error);
    }
    // A checked-out connection that breaks emits `error`; unheard, it would end the process.
    // The statement in flight on it rejects with the same failure.
    client.on("error", ignoreIdleError);
    if ((searchPaths.get(client) ?? "") !== this.#searchPath) {
      try {
        // The path is bound as a value: set_config takes the quoted name as text.
        await this.#send(
          client,
          this.#searchPath === ""
            ? { text: "RESET search_path" }
            : { text: "SELECT set_config('search_path', $1, false)", values: [this.#searchPath] },
          "setting the search_path",
        );
      } catch (error) {
        this.#release(client, true);
        throw error;
      }
      searchPaths.set(client, this.#searchPath);
    }
    return client;
  }

  #release(client: PostgresClient, broken: boolean): void {
    client.removeListener("error", ignoreIdleError);
    client.release(broken || undefined);
  }

  /** Runs one of the store's statements on `client`. */
  #query(
    client: PostgresClient,
    sql: string,
    params: readonly SqlValue[] = [],
  ): Promise<PostgresResult> {
    const { text, name } = postgresStatement(sql);
    return this.#send(
      client,
      { text, values: [...params], ...(name && { name }), types: TYPES },
      firstLine(sql),
    );
  }

  /** Runs a transaction-control or session command. */
  #command(client: PostgresClient, command: string): Promise<PostgresResult> {
    return this.#send(client, { text: command }, command);
  }

  /** Sends one statement; what fails becomes a `StorageError` saying what was being done. */
  async #send(
    client: PostgresClient,
    query: PostgresQuery,
    doing: string,
  ): Promise<PostgresResult> {
    try {
      return await client.query(query);
    } catch (error) {
      throw postgresFailure(this.location, doing, error);
    }
  }
}

type Query = (sql: string, params?: readonly SqlValue[]) => Promise<PostgresResult>;

/** What a transaction's function runs statements through; refuses once the transaction ended. */
class PostgresTransaction implements SqlExecutor {
  /** The first statement that failed: the server aborted the transaction with it. */
  failure: unknown;
  #ended = false;
  readonly #location: string;
  readonly #lockSpace: string;
  readonly #query: Query;

  /** @param lockSpace - What makes a key the adapter's own: the schema, so threads of two schemas never wait for each other. */
  constructor(location: string, lockSpace: string, query: Query) {
    this.#location = location;
    this.#lockSpace = lockSpace;
    this.#query = query;
  }

  async run(sql: string, params?: readonly SqlValue[]): Promise<SqlRunResult> {
    return { changes: (await this.#statement(sql, params)).rowCount ?? 0 };
  }

  async all<Row extends SqlRow = SqlRow>(
    sql: string,
    params?: readonly SqlValue[],
  ): Promise<Row[]> {
    return (await this.#statement(sql, params)).rows as Row[];
  }

  async lock(key: string): Promise<void> {
    // One 64-bit lock per key: a hash collision only makes two keys take turns.
    await this.#statement("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", [
      `${this.#lockSpace}.${key}`,
    ]);
  }

  end(): void {
    this.#ended = true;
  }

  async #statement(sql: string, params?: readonly SqlValue[]) {
    if (this.#ended) {
      throw new StorageError(
        `The transaction on ${this.#location} has ended: run statements inside its function`,
        { location: this.#location },
      );
    }
    try {
      return await this.#query(sql, params);
    } catch (error) {
      this.failure ??= error;
      throw error;
    }
  }
}

/**
 * Makes the {@link StorageAdapter} on PostgreSQL. No connection is made until the first
 * call. The table is not created: {@link openPostgresStore} does that, or
 * `initPostgresNegotiationStateTable(adapter)`.
 *
 * @param connection - `{ connectionString }` (the adapter makes its own pool and ends it on
 *   `close()`) or `{ pool }` (a node-postgres `Pool` of yours, left open).
 * @param options - `schema`, `maxRetries`.
 * @returns The adapter.
 * @throws `ValidationError` (code `INVALID_INPUT`) naming a connection, schema or retry
 *   count that cannot be used.
 * @example
 * import pg from "pg";
 * import { NegotiationStateStore } from "negotiation-state";
 * import { initPostgresNegotiationStateTable, postgresAdapter } from "negotiation-state/postgres";
 *
 * const adapter = postgresAdapter({ pool: new pg.Pool() }, { schema: "agents" });
 * await initPostgresNegotiationStateTable(adapter);
 * const store = new NegotiationStateStore(adapter);
 */
export function postgresAdapter(
  connection: PostgresConnection,
  options?: PostgresAdapterOptions,
): PostgresAdapter {
  return new PostgresAdapter(connection, options);
}

function ignoreIdleError(): void {
  // The pool drops a broken idle connection by itself; a checked-out one rejects its query.
}

function parseInteger(text: string): number | bigint {
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : BigInt(text);
}

function pause(attempt: number): Promise<void> {
  const ceiling = Math.min(5 * 2 ** attempt, 250);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}

function checkedSchema(schema: unknown): string | undefined {
  if (schema === undefined) return undefined;
  if (typeof schema !== "string" || schema.length === 0 || schema.includes("\0")) {
    throw new ValidationError("schema", "must be a non-empty schema name without NUL characters");
  }
  if (utf8Length(schema) > 63) {
    throw new ValidationError(
      "schema",
      "must be at most 63 bytes of UTF-8 (PostgreSQL's limit for a name)",
    );
  }
  return schema;
}

function checkedRetries(retries: unknown): number {
  if (retries === undefined) return 8;
  if (typeof retries !== "number" || !Number.isSafeInteger(retries) || retries < 0) {
    throw new ValidationError("maxRetries", "must be a whole number, 0 or more");
  }
  return retries;
}

function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

function firstLine(sql: string): string {
  return sql.split("\n", 1)[0] ?? sql;
}

function withoutPassword(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    url.password = "";
    return url.href;
  } catch {
    return "(connection string)";
  }
}

function poolLocation(pool: PostgresPool): string {
  const options = (pool as { options?: Record<string, unknown> }).options ?? {};
  if (typeof options.connectionString === "string")
    return withoutPassword(options.connectionString);
  const host = typeof options.host === "string" ? options.host : "localhost";
  const port = typeof options.port === "number" ? options.port : 5432;
  const database = typeof options.database === "string" ? options.database : "";
  return `postgres://${host}:${port}/${database}`;
}
