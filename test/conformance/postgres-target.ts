import type * as Api from "../../src/index.js";
import type { OpenPostgresStoreOptions, PostgresConnection } from "../../src/postgres.js";
import { freshSchema, postgresUrl } from "../support/postgres-database.js";
import { queryPostgres, quotedIdentifier } from "../support/postgres-query.js";
import type { Place, Target } from "./targets.js";

/** `openPostgresStore` of the sources or of the build. */
type OpenPostgresStore = (
  connection: PostgresConnection,
  options?: OpenPostgresStoreOptions,
) => Promise<Api.NegotiationStateStore>;

/**
 * The PostgreSQL target (Node, Bun, Deno), on the server named by `NEGOTIATION_STATE_PG_URL`:
 * each place is a fresh schema, dropped after its test with every copy made of it. Opening
 * a place is a new `openPostgresStore` on that schema, with a pool of its own: a restarted
 * program, or another replica. Many stores write one schema at once (no exclusive writer),
 * and there is no journal of the package's (PostgreSQL keeps its own WAL).
 *
 * A crash copy is what the server holds right now for a client that dies: while the
 * writer's store is still open, another connection copies the committed rows, in one
 * statement (one snapshot), into a new schema whose table the store created. So an
 * acknowledged save must be committed and visible to other sessions, not merely held by
 * the writer's pool, and the copy does not depend on the writer ever closing.
 */
export function postgresTarget(openPostgresStore: OpenPostgresStore): Target {
  return {
    name: "postgres",
    durable: true,
    exclusiveWriter: false,
    journal: false,
    async fresh() {
      const first = freshSchema("conformance");
      const schemas = [first];
      const place = (schema: string): Place => ({
        open(options) {
          if (options?.checkpointBytes !== undefined) {
            throw new Error("checkpointBytes does not apply to PostgreSQL: it keeps no journal");
          }
          return openPostgresStore({ connectionString: postgresUrl() }, { schema });
        },
        async crashCopy() {
          const copy = freshSchema("crash");
          schemas.push(copy);
          const connection = { connectionString: postgresUrl() };
          await (await openPostgresStore(connection, { schema: copy.schema })).close();
          await copyRows(schema, copy.schema);
          return place(copy.schema);
        },
        async dispose() {
          for (const { drop } of schemas) await drop();
        },
      });
      return place(first.schema);
    },
  };
}

/** Copies the committed rows of one schema's table into another's, in one statement. */
async function copyRows(from: string, to: string): Promise<void> {
  await queryPostgres(
    `INSERT INTO ${quotedIdentifier(to)}.negotiation_state SELECT * FROM ${quotedIdentifier(from)}.negotiation_state`,
  );
}
