// The server of the PostgreSQL bench: NEGOTIATION_STATE_PG_URL when it is set, else a
// throwaway cluster of its own (test/support/postgres-server.mjs) with durable commits
// (fsync=on, unlike the tests' fsync=off), stopped at the end. The contenders' tables live
// in fresh schemas, dropped at the end (also on Ctrl-C).
import pg from "pg";
import {
  POSTGRES_URL_VARIABLE,
  redactUrl,
  startThrowawayPostgres,
} from "../test/support/postgres-server.mjs";
import { quoteIdentifier } from "./postgres-contenders.mjs";

/** The settings that decide what a commit costs, as the server reports them. */
const SETTINGS = [
  "fsync",
  "synchronous_commit",
  "wal_sync_method",
  "shared_buffers",
  "max_connections",
];

/**
 * Runs `fn` with a server and one fresh schema per contender name.
 *
 * @param {object} options
 * @param {string[]} options.names the contenders, one schema each
 * @param {"on" | "off"} options.fsync for a throwaway server only
 * @param {(line: string) => void} options.log
 * @param {(target: { url: string, schemas: Record<string, string>, admin: pg.Client, server: object }) => Promise<T>} fn
 * @returns {Promise<T>}
 * @template T
 */
export async function withPostgres({ names, fsync, log }, fn) {
  const given = process.env[POSTGRES_URL_VARIABLE];
  const throwaway =
    given === undefined || given === ""
      ? await startThrowawayPostgres({ settings: { fsync } })
      : undefined;
  const url = throwaway?.url ?? given;
  log(
    throwaway
      ? `server: a throwaway cluster (fsync=${fsync}) on port ${throwaway.port}`
      : `server: ${redactUrl(url)} (${POSTGRES_URL_VARIABLE})`,
  );
  const base = `negotiation_state_bench_${process.pid}_${Date.now().toString(36)}`;
  const schemas = Object.fromEntries(names.map((name) => [name, `${base}_${name}`]));
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const dropSchemas = async () => {
    for (const schema of Object.values(schemas)) {
      await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
    }
  };
  // Ctrl-C: drop what was made, then exit, which stops a throwaway server (its exit hook).
  const onSignal = () => {
    const exit = () => process.exit(130);
    setTimeout(exit, 5_000).unref();
    dropSchemas().then(exit, exit);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const server = {
      url: redactUrl(url),
      throwaway: throwaway !== undefined,
      version: (await admin.query("SHOW server_version")).rows[0].server_version,
      settings: {},
    };
    for (const name of SETTINGS) {
      server.settings[name] = (await admin.query(`SHOW ${name}`)).rows[0][name];
    }
    return await fn({ url, schemas, admin, server });
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await dropSchemas();
    await admin.end();
    await throwaway?.stop();
  }
}
