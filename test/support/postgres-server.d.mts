// The types of postgres-server.mjs, for the TypeScript tests; the contracts are documented there.

export const POSTGRES_URL_VARIABLE: "NEGOTIATION_STATE_PG_URL";
export const DEBIAN_POSTGRES_ROOT: string;
export const CREATECLUSTER_CONF: string;

/** Where {@link findPostgresBinaries} looks; injectable for tests. */
export interface PostgresSearch {
  /** Read for `POSTGRES_BIN`. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Holds `<major>/bin` folders: `/usr/lib/postgresql` on Debian and Ubuntu. */
  readonly debianRoot: string;
  /** `pg_config --bindir`, or `undefined` without a `pg_config`. */
  readonly pgConfigBindir: () => string | undefined;
  /** `PATH`'s folders, in order. */
  readonly pathFolders: readonly string[];
  readonly exists: (path: string) => boolean;
  /** A folder's names, or none when it is not there. */
  readonly list: (folder: string) => readonly string[];
}

/** How {@link ensurePostgresBinaries} installs the server; injectable for tests. */
export interface PostgresInstaller {
  /** Linux, root, and `apt-get` on `PATH`. */
  readonly canInstall: boolean;
  /** Whether apt's lists know the package (`apt-cache show`), so no `apt-get update` is needed. */
  readonly knowsPackage: (name: string) => boolean;
  readonly readFile: (path: string) => string | undefined;
  /** Writes the file, creating its folder. */
  readonly writeFile: (path: string, text: string) => void;
  /** Runs a command to its end, its output on stderr; throws when it fails. */
  readonly run: (
    command: string,
    args: readonly string[],
    environment: Readonly<Record<string, string>>,
  ) => void;
  /** One line for the person watching the run. */
  readonly say: (line: string) => void;
}

export interface ThrowawayPostgresOptions {
  /** The folder holding `initdb` and `pg_ctl`; {@link ensurePostgresBinaries} by default. */
  readonly binDir?: string;
  /** A port to listen on instead of a free one the OS picks. */
  readonly port?: number;
  /** Server settings (`-c name=value`), over the defaults (`fsync=off`, `max_connections=200`). */
  readonly settings?: Readonly<Record<string, string>>;
}

/** A running throwaway cluster. */
export interface ThrowawayPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`: the superuser, no password. */
  readonly url: string;
  readonly port: number;
  /** The temp folder holding the cluster, its log and its socket; `stop()` removes it. */
  readonly folder: string;
  /** The cluster's data directory, inside `folder`. */
  readonly dataDir: string;
  readonly binDir: string;
  readonly logFile: string;
  /**
   * `pg_ctl restart` on the same port: open connections are ended. `"fast"` shuts down
   * cleanly; `"immediate"` is a crash, recovered from the WAL on start.
   *
   * @returns Once the server accepts connections again.
   */
  restart(mode?: "fast" | "immediate"): Promise<void>;
  /** `pg_ctl stop -m fast`, then removes `folder`; idempotent. */
  stop(): Promise<void>;
}

export function findPostgresBinaries(search?: PostgresSearch): string | undefined;
export function ensurePostgresBinaries(options?: {
  readonly search?: PostgresSearch;
  readonly installer?: PostgresInstaller;
}): string;
export function postgresVersion(binDir: string): string;
export function databaseUrl(url: string, database: string): string;
export function redactUrl(url: string): string;
export function postgresForRun(user: string): Promise<{ url: string; stop(): Promise<void> }>;
export function startThrowawayPostgres(
  options?: ThrowawayPostgresOptions,
): Promise<ThrowawayPostgres>;
