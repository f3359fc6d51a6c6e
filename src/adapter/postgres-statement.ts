import { rewritePlaceholders } from "./placeholders.js";

/**
 * A statement as PostgreSQL takes it: `$1, $2, ...` where the store wrote `?`, and a name
 * under which each connection prepares it once.
 *
 * @internal
 */
export interface PostgresStatement {
  /** The SQL with numbered placeholders. */
  readonly text: string;
  /** The prepared statement's name, or `undefined` for a statement sent unprepared. */
  readonly name: string | undefined;
}

/**
 * How many distinct statements get a prepared name: the store runs about ten. SQL built per
 * call by another user of the adapter would otherwise grow every connection's statement
 * cache, and this one, without end.
 */
const MAX_PREPARED = 200;

/** Every statement translated so far, by its `?` text. A prepared name is per connection, so one name per text is the same on every pool. */
const translated = /* @__PURE__ */ new Map<string, PostgresStatement>();

/**
 * Translates a statement of the store's SQL (`?` placeholders) into PostgreSQL's, once per
 * text: `?` outside quotes and comments becomes `$n`, numbered in order.
 *
 * @param sql - The statement as the store (or another user of `StorageAdapter`) wrote it.
 * @returns Its PostgreSQL form and prepared name.
 * @internal
 */
export function postgresStatement(sql: string): PostgresStatement {
  const known = translated.get(sql);
  if (known !== undefined) return known;
  const statement: PostgresStatement = {
    text: rewritePlaceholders(sql, (index) => `$${index + 1}`),
    name: translated.size < MAX_PREPARED ? `negotiation_state_${translated.size}` : undefined,
  };
  if (statement.name !== undefined) translated.set(sql, statement);
  return statement;
}

/**
 * A name as a PostgreSQL identifier (a schema's), for the statements that cannot bind it:
 * in double quotes, inner quotes doubled, so any text names itself and nothing else.
 *
 * @param name - The name.
 * @returns `"name"`.
 * @internal
 */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
