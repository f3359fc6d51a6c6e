import pg from "pg";
import { postgresUrl } from "./postgres-database.js";

/**
 * Runs one statement on a connection of its own, closed afterwards: how a test looks at the
 * server (the catalog, a table, another connection) past the adapter it checks.
 *
 * @param text - The SQL, with `$1`-style placeholders.
 * @param values - Their values.
 * @param url - The server; the test run's ({@link postgresUrl}) by default.
 * @returns The rows.
 */
export async function queryPostgres<Row = Record<string, unknown>>(
  text: string,
  values: readonly unknown[] = [],
  url: string = postgresUrl(),
): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return (await client.query(text, [...values])).rows as Row[];
  } finally {
    await client.end();
  }
}

/**
 * A name quoted as a PostgreSQL identifier, for schema names a test builds itself.
 *
 * @param name - The name.
 * @returns `"name"`, inner quotes doubled.
 */
export function quotedIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
