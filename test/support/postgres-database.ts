import pg from "pg";

/**
 * The PostgreSQL server of this test run: `NEGOTIATION_STATE_PG_URL`, which the global setup
 * (test/support/ensure-postgres.ts) sets to a throwaway server it started, unless it was
 * given from outside.
 *
 * @throws When the variable is missing: the run was started without the global setup.
 */
export function postgresUrl(): string {
  const url = process.env.NEGOTIATION_STATE_PG_URL;
  if (url === undefined || url === "") {
    throw new Error(
      "NEGOTIATION_STATE_PG_URL is not set: run the tests through vitest (whose global setup starts a throwaway PostgreSQL) or `node test/support/with-postgres.mjs <command>`",
    );
  }
  return url;
}

let schemas = 0;

/**
 * A schema of its own for one test, so test files running side by side on one server never
 * see each other's rows: a name unique to this process and call, and a way to drop it with
 * everything in it.
 *
 * @param label - A readable part of the name (letters, digits, `_`).
 * @returns The name (not yet created: the store creates it) and `drop()`.
 */
export function freshSchema(label: string): { readonly schema: string; drop(): Promise<void> } {
  const schema = `t_${label}_${process.pid}_${Date.now().toString(36)}_${schemas++}`;
  return {
    schema,
    async drop() {
      const client = new pg.Client({ connectionString: postgresUrl() });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}
