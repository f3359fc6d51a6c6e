import { createRequire } from "node:module";
import { errorCode } from "../errors/negotiation-error.js";
import { type CliContext, USAGE } from "./cli-context.js";
import type { PostgresDatabase } from "./postgres-database.js";

/**
 * What the `<database>` argument of a command that reads or writes negotiations says it
 * takes.
 */
export const DATABASE_ARGUMENT = "the database file, or a postgres:// URL";

/**
 * What the program's help says of PostgreSQL URLs, after the list of commands.
 */
export const POSTGRES_HELP = [
  "PostgreSQL: every command but checkpoint and repair takes a URL where it takes a database file: postgres://user:password@host:5432/database (or postgresql://), with ?schema=<name> for a schema other than the server's default (public); sslmode and the other parameters of node-postgres work as they do there.",
  "It needs node-postgres: npm install pg. The reading commands (list, show, history, stats, export, verify) take no lock and change nothing, not even a missing table; import creates the schema and table when missing and writes in one transaction, beside agents writing at the same time. Messages name the database without its password. Under Deno, add --allow-net --allow-env.",
].join("\n\n");

/**
 * Whether a `<database>` argument names a PostgreSQL database rather than a file: it starts
 * with `postgres://` or `postgresql://` (in any case, as URL schemes go).
 *
 * @param database - The argument as given.
 * @returns `true` for a PostgreSQL URL.
 */
export function isPostgresUrl(database: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(database);
}

/**
 * Loads the PostgreSQL side of the command line, and with it node-postgres, only now: a
 * user who never gives a URL need not install `pg` (an optional peer dependency), and
 * every command on a file works without it.
 *
 * @param url - A `postgres://` URL (its `?schema=` picks the schema).
 * @returns The database, not connected yet; close it when done.
 * @throws When node-postgres is not installed, in one line saying to `npm install pg`;
 *   `ValidationError` for a `?schema=` that cannot be a schema name.
 */
export async function openPostgresDatabase(url: string): Promise<PostgresDatabase> {
  let module: typeof import("./postgres-database.js");
  try {
    module = await import("./postgres-database.js");
  } catch (error) {
    if (!nodePostgresInstalled()) {
      throw new Error(
        "A postgres:// URL needs node-postgres, which is not installed here: run npm install pg",
        { cause: error },
      );
    }
    throw error;
  }
  return module.postgresDatabase(url);
}

/**
 * Refuses a command that works on a database file's journal (`checkpoint`, `repair`) when
 * it is given a URL: a usage error in one line, exit status 2.
 *
 * @param context - The command's context.
 * @param command - The command's name.
 * @param database - Its `<database>` argument.
 * @returns `true` when it was refused (the command then does nothing).
 */
export function refusedOnPostgres(
  context: CliContext,
  command: "checkpoint" | "repair",
  database: string,
): boolean {
  if (!isPostgresUrl(database)) return false;
  context.err(
    `${context.errorColors.red("error:")} ${command} works on a database file's journal; PostgreSQL commits every change itself, so a postgres:// database needs neither checkpoint nor repair`,
  );
  context.fail(USAGE);
  return true;
}

/** Whether `pg` resolves from here, as the module that imports it would find it. */
function nodePostgresInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve("pg");
    return true;
  } catch (error) {
    // Anything else: the import's own failure is the one to report.
    return errorCode(error) !== "MODULE_NOT_FOUND";
  }
}
