import { errorMessage } from "../errors/negotiation-error.js";
import { StorageError } from "../persistence/errors.js";
import type { SqlJsStatement } from "./sql-js-engine.js";
import type { SqlRow, SqlValue } from "./storage-adapter.js";

/**
 * Runs a prepared statement once with `params`, and leaves it reset for the next use.
 *
 * @param statement - A prepared statement (kept by a `StatementCache`).
 * @param params - The values of its `?` placeholders, in order.
 * @throws What SQLite throws when the statement fails.
 */
export function runPrepared(statement: SqlJsStatement, params: readonly SqlValue[]): void {
  try {
    statement.bind(params);
    statement.step();
  } finally {
    statement.reset();
  }
}

/**
 * Runs a prepared query with `params` and reads every row, leaving it reset for the next use.
 *
 * @typeParam Row - The shape of a row, as the caller knows it from its query.
 * @param statement - A prepared query (kept by a `StatementCache`).
 * @param params - The values of its `?` placeholders, in order.
 * @returns Every row as a plain object keyed by column name, in the query's order.
 * @throws What SQLite throws when the query fails.
 */
export function readPrepared<Row extends SqlRow>(
  statement: SqlJsStatement,
  params: readonly SqlValue[],
): Row[] {
  try {
    statement.bind(params);
    const names = statement.getColumnNames();
    const rows: Row[] = [];
    while (statement.step()) {
      const values = statement.get();
      const row: SqlRow = {};
      for (let column = 0; column < names.length; column++) {
        row[names[column] as string] = values[column] as SqlValue;
      }
      rows.push(row as Row);
    }
    return rows;
  } finally {
    statement.reset();
  }
}

/**
 * The error for a statement SQLite refused.
 *
 * @param cause - What SQLite threw.
 * @param sql - The statement, quoted in the message.
 * @param location - The database.
 * @returns A `StorageError` (code `STORAGE_FAILED`) naming the statement and the database.
 */
export function sqlError(cause: unknown, sql: string, location: string): StorageError {
  const statement = statementForMessages(sql);
  return new StorageError(`SQL failed on ${location} in "${statement}": ${errorMessage(cause)}`, {
    cause,
    location,
  });
}

/**
 * A statement as error messages quote it: on one line, its first 80 characters.
 *
 * @param sql - The statement.
 * @returns The quotable text.
 */
export function statementForMessages(sql: string): string {
  return sql.replace(/\s+/g, " ").trim().slice(0, 80);
}
