import pg from "pg";
import {
  ensurePostgresBinaries,
  POSTGRES_URL_VARIABLE,
  postgresForRun,
  redactUrl,
} from "./postgres-server.mjs";

/**
 * Vitest global setup: the PostgreSQL server every test file shares, named by
 * `NEGOTIATION_STATE_PG_URL` (which the workers and their child processes inherit): the
 * server the variable already names, which must answer `SELECT 1`, else a throwaway cluster
 * started for the run and stopped by the returned teardown ({@link postgresForRun}).
 *
 * Either way the server binaries are found (or installed once, saying so,
 * {@link ensurePostgresBinaries}) before any test file runs, for the tests that start and
 * restart a cluster of their own; with an outside server and no way to get them, only those
 * tests fail, saying why.
 *
 * @returns The teardown.
 * @throws When the given server does not answer, or no server can be started.
 */
export default async function ensurePostgres(): Promise<() => Promise<void>> {
  const given = process.env[POSTGRES_URL_VARIABLE] ?? "";
  const server = await postgresForRun("the tests");
  if (given !== "") {
    await answersSelectOne(given);
    try {
      ensurePostgresBinaries();
    } catch (error) {
      process.stderr.write(
        `${(error as Error).message}\nThe tests that start a cluster of their own will fail.\n`,
      );
    }
  }
  process.env[POSTGRES_URL_VARIABLE] = server.url;
  return async () => {
    if (given === "") delete process.env[POSTGRES_URL_VARIABLE];
    await server.stop();
  };
}

async function answersSelectOne(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (error) {
    throw new Error(
      `${POSTGRES_URL_VARIABLE} names ${redactUrl(url)}, which does not answer SELECT 1: ${(error as Error).message}`,
      { cause: error },
    );
  } finally {
    await client.end().catch(() => {});
  }
}
