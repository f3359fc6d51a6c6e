import { type PostgresAdapter, postgresAdapter } from "../adapter/postgres-adapter.js";
import { ValidationError } from "../errors/validation-error.js";
import { StorageError } from "../persistence/errors.js";
import { NegotiationStateStore } from "../store/negotiation-state-store.js";
import { TABLE } from "../store/negotiation-state-table.js";
import { initPostgresNegotiationStateTable } from "../store/postgres-negotiation-state-table.js";
import { type Finding, storageDetail } from "./commands/verify.js";
import { rowFindings } from "./row-findings.js";

/** What the server says of where the table would be. */
interface Probe {
  /** `server_version`, such as `16.4`. */
  readonly version: string;
  /** The schema the table is looked up in; `null` when the schema does not exist. */
  readonly schema: string | null;
  /** 1 when the table exists there. */
  readonly found: number;
}

/**
 * A PostgreSQL database as the command line uses it (DESIGN §7): the store on a
 * `PostgresAdapter` of its own, for one command. This module imports node-postgres: the
 * command line loads it only for a URL (`openPostgresDatabase`). Each of `read`, `write`
 * and `verify` closes the adapter when it ends; `close()` does it when none is called.
 */
export class PostgresDatabase {
  /**
   * The database as every message names it: the URL without its password (the adapter's
   * `location`), with its `?schema=`.
   */
  readonly location: string;
  readonly #adapter: PostgresAdapter;
  readonly #schema: string | undefined;

  /**
   * Prefer {@link postgresDatabase}, which says the same.
   *
   * @param url - A `postgres://` URL; `?schema=` picks the schema.
   * @throws `ValidationError` at `?schema=` for a schema name PostgreSQL cannot take.
   */
  constructor(url: string) {
    const { connectionString, schema } = splitSchema(url);
    try {
      this.#adapter = postgresAdapter({ connectionString }, schema === undefined ? {} : { schema });
    } catch (error) {
      if (error instanceof ValidationError && error.path === "schema") {
        throw new ValidationError("?schema=", error.problem, { cause: error });
      }
      throw error;
    }
    this.#schema = schema;
    this.location = withSchema(this.#adapter.location, schema);
  }

  /**
   * Runs `work` on a store of the database, then closes it. Reads only: nothing is
   * created (not even a missing table) and no lock is taken, so agents keep writing
   * beside it; the store's reads (`loadAll`, `restoreAll`, `load`, `loadRow`) are single
   * statements, each a consistent snapshot.
   *
   * @param work - What to read; it must not write.
   * @returns What `work` returned.
   * @throws `StorageError` naming the database when the server cannot be reached or there
   *   is no `negotiation_state` table; what `work` threw.
   */
  async read<T>(work: (store: NegotiationStateStore) => Promise<T>): Promise<T> {
    try {
      const probe = await this.#probe();
      if (probe.found !== 1) {
        const detail = this.#missingTable(probe);
        throw new StorageError(`Cannot read ${this.location}: ${detail}`, {
          location: this.location,
          detail,
        });
      }
      return await work(new NegotiationStateStore(this.#adapter));
    } finally {
      await this.close();
    }
  }

  /**
   * Creates the schema, table and index when missing (as `openPostgresStore` does), runs
   * `work` on a store of the database, then closes it.
   *
   * @param work - What to write.
   * @returns What `work` returned.
   * @throws `StorageError` naming the database when the server cannot be reached or
   *   refuses; what `work` threw.
   */
  async write<T>(work: (store: NegotiationStateStore) => Promise<T>): Promise<T> {
    try {
      await initPostgresNegotiationStateTable(this.#adapter);
      return await work(new NegotiationStateStore(this.#adapter));
    } finally {
      await this.close();
    }
  }

  /**
   * The checks of `verify` that apply to PostgreSQL, read-only: `database` (the server
   * answers and the table exists) and `rows` (every row through the store's row contract,
   * as for a file). The journal checks have no counterpart: the server commits each change
   * whole.
   *
   * @returns The findings; never throws for the database's state, which becomes a problem.
   */
  async verify(): Promise<Finding[]> {
    try {
      let probe: Probe;
      try {
        probe = await this.#probe();
      } catch (error) {
        return [{ check: "database", status: "problem", message: storageDetail(error) }];
      }
      if (probe.found !== 1) {
        return [{ check: "database", status: "problem", message: this.#missingTable(probe) }];
      }
      return [
        {
          check: "database",
          status: "ok",
          message: `PostgreSQL ${probe.version} answers; the ${TABLE} table is in schema ${JSON.stringify(probe.schema)}`,
        },
        ...(await rowFindings(new NegotiationStateStore(this.#adapter))),
      ];
    } finally {
      await this.close();
    }
  }

  /**
   * Ends the adapter's connections. Idempotent.
   *
   * @returns Once they are closed.
   */
  close(): Promise<void> {
    return this.#adapter.close();
  }

  #probe(): Promise<Probe> {
    return this.#adapter
      .all<{ version: string; schema: string | null; found: number }>(
        "SELECT current_setting('server_version') AS version, current_schema() AS schema, (to_regclass(?) IS NOT NULL)::int AS found",
        [TABLE],
      )
      .then((rows) => rows[0] ?? { version: "", schema: null, found: 0 });
  }

  #missingTable(probe: Probe): string {
    const where =
      probe.schema !== null
        ? `no ${TABLE} table in schema ${JSON.stringify(probe.schema)}`
        : this.#schema !== undefined
          ? `no schema ${JSON.stringify(this.#schema)}, so no ${TABLE} table`
          : `no schema on the search_path, so no ${TABLE} table`;
    return `there is ${where} (reading creates nothing; import creates it)`;
  }
}

/**
 * The command line's view of a PostgreSQL database; no connection is made yet.
 *
 * @param url - A `postgres://` URL; `?schema=<name>` picks the schema, and the rest goes to
 *   node-postgres as it is.
 * @returns The database.
 * @throws `ValidationError` at `?schema=` for a schema name PostgreSQL cannot take.
 */
export function postgresDatabase(url: string): PostgresDatabase {
  return new PostgresDatabase(url);
}

/** The URL without its `schema` parameter, which is the command line's, not node-postgres's. */
function splitSchema(url: string): { connectionString: string; schema: string | undefined } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // node-postgres reads some forms that URL does not (an empty host with a password).
    return { connectionString: url, schema: undefined };
  }
  const schema = parsed.searchParams.get("schema");
  if (schema === null) return { connectionString: url, schema: undefined };
  parsed.searchParams.delete("schema");
  return { connectionString: parsed.href, schema };
}

/** The adapter's location (a URL without password) with the schema given back. */
function withSchema(location: string, schema: string | undefined): string {
  if (schema === undefined) return location;
  try {
    const url = new URL(location);
    url.searchParams.set("schema", schema);
    return url.href;
  } catch {
    return `${location} (schema ${JSON.stringify(schema)})`;
  }
}
