// A real, throwaway PostgreSQL server for the tests: the server binaries found on the machine
// (or Debian's package installed once, saying so), a new cluster in a temp folder on a free
// port, stopped and removed afterwards. Plain JavaScript that imports only node:* (its types
// are in postgres-server.d.mts), so that Node and Bun run it as it is, in a vitest global
// setup, in a test file and in with-postgres.mjs.

import { execFile, execFileSync } from "node:child_process";
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** The variable naming the server the tests use; set, it replaces the throwaway one. */
export const POSTGRES_URL_VARIABLE = "NEGOTIATION_STATE_PG_URL";

/** Where Debian and Ubuntu put each major version's server binaries: `<root>/<major>/bin`. */
export const DEBIAN_POSTGRES_ROOT = "/usr/lib/postgresql";

/** postgresql-common reads `create_main_cluster` here before it creates a system cluster. */
export const CREATECLUSTER_CONF = "/etc/postgresql-common/createcluster.conf";

const NONE_FOUND = `No PostgreSQL server binaries (initdb, pg_ctl) found in POSTGRES_BIN, ${DEBIAN_POSTGRES_ROOT}/*/bin, \`pg_config --bindir\` or PATH`;
const ADVICE = `install PostgreSQL's server (Debian, Ubuntu: apt-get install postgresql; Fedora: dnf install postgresql-server; macOS: brew install postgresql) and set POSTGRES_BIN to the folder holding initdb and pg_ctl if it is elsewhere, or set ${POSTGRES_URL_VARIABLE} to a server the tests may use (the tests that restart a server of their own still need the binaries)`;

/**
 * The folder holding `initdb` and `pg_ctl`: `POSTGRES_BIN` when it is set (and then only
 * that one), else the newest `/usr/lib/postgresql/<major>/bin`, else `pg_config --bindir`,
 * else the first folder on `PATH` holding both.
 *
 * @param {import("./postgres-server.d.mts").PostgresSearch} [search] - Where to look;
 *   injectable for tests, the machine's own by default.
 * @returns {string | undefined} The folder, or `undefined` when there is none.
 * @throws {Error} When `POSTGRES_BIN` names a folder without `initdb` and `pg_ctl`.
 */
export function findPostgresBinaries(search = defaultSearch()) {
  const holdsServer = (folder) =>
    search.exists(join(folder, "initdb")) && search.exists(join(folder, "pg_ctl"));
  const chosen = search.env.POSTGRES_BIN;
  if (chosen !== undefined && chosen !== "") {
    if (!holdsServer(chosen))
      throw new Error(`POSTGRES_BIN names ${chosen}, which holds no initdb and pg_ctl`);
    return chosen;
  }
  const majors = search
    .list(search.debianRoot)
    .filter((name) => /^\d+(\.\d+)?$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  for (const major of majors) {
    const folder = join(search.debianRoot, major, "bin");
    if (holdsServer(folder)) return folder;
  }
  const configured = search.pgConfigBindir();
  if (configured !== undefined && holdsServer(configured)) return configured;
  return search.pathFolders.find((folder) => folder !== "" && holdsServer(folder));
}

/**
 * The PostgreSQL server binaries the tests run ({@link findPostgresBinaries}). When there
 * are none and this runs as root where `apt-get` exists, installs Debian's `postgresql`,
 * saying so in one line: first it writes `create_main_cluster = false` into
 * `/etc/postgresql-common/createcluster.conf`, so that the package neither creates nor
 * starts a system cluster; it runs `apt-get update` only when apt knows no `postgresql`
 * package, or when the install failed on old lists.
 *
 * @param {{ search?: import("./postgres-server.d.mts").PostgresSearch, installer?: import("./postgres-server.d.mts").PostgresInstaller }} [options]
 *   - Where to look and how to install; injectable for tests, the machine's own by default.
 * @returns {string} The folder holding `initdb` and `pg_ctl`.
 * @throws {Error} When there are none and they cannot be installed here, or installing
 *   failed: the message says what to install, or to set `NEGOTIATION_STATE_PG_URL`.
 */
export function ensurePostgresBinaries(options = {}) {
  const search = options.search ?? defaultSearch();
  const found = findPostgresBinaries(search);
  if (found !== undefined) return found;
  const installer = options.installer ?? defaultInstaller();
  if (!installer.canInstall)
    throw new Error(`${NONE_FOUND}, and this is not root with apt-get to install them: ${ADVICE}`);
  installer.say(
    `${NONE_FOUND}: installing Debian's postgresql with apt-get for the tests (create_main_cluster = false, so no system cluster is created or started)`,
  );
  const install = [
    "install",
    "-y",
    "--no-install-recommends",
    "-o",
    "Dpkg::Options::=--force-confold",
    "postgresql",
  ];
  // Keep the createcluster.conf written below, even though postgresql-common ships its own.
  const environment = { DEBIAN_FRONTEND: "noninteractive", UCF_FORCE_CONFFOLD: "1" };
  try {
    installer.writeFile(
      CREATECLUSTER_CONF,
      withoutMainCluster(installer.readFile(CREATECLUSTER_CONF)),
    );
    let updated = false;
    if (!installer.knowsPackage("postgresql")) {
      installer.run("apt-get", ["update"], environment);
      updated = true;
    }
    try {
      installer.run("apt-get", install, environment);
    } catch (error) {
      if (updated) throw error;
      installer.run("apt-get", ["update"], environment);
      installer.run("apt-get", install, environment);
    }
  } catch (error) {
    throw new Error(`Could not install PostgreSQL (${error.message}): ${ADVICE}`, { cause: error });
  }
  const installed = findPostgresBinaries(search);
  if (installed === undefined)
    throw new Error(`apt-get installed postgresql, but ${NONE_FOUND.slice(3)}: ${ADVICE}`);
  installer.say(`PostgreSQL installed: ${installed}`);
  return installed;
}

/**
 * `createcluster.conf` with `create_main_cluster = false`, its other lines kept.
 *
 * @param {string | undefined} text - The file as it is, or `undefined` when there is none.
 * @returns {string}
 */
function withoutMainCluster(text) {
  const line = "create_main_cluster = false";
  if (text === undefined)
    return `# Written by negotiation-state's tests: no system cluster.\n${line}\n`;
  const pattern = /^[ \t]*#?[ \t]*create_main_cluster\b.*$/m;
  if (pattern.test(text)) return text.replace(pattern, line);
  return `${text}${text.endsWith("\n") || text === "" ? "" : "\n"}${line}\n`;
}

/**
 * The major and minor version of the server in `binDir`.
 *
 * @param {string} binDir - A folder from {@link findPostgresBinaries}.
 * @returns {string} Such as `"15.14"`.
 */
export function postgresVersion(binDir) {
  const text = execFileSync(join(binDir, "postgres"), ["--version"], { encoding: "utf8" });
  return /\d+(\.\d+)*/.exec(text)?.[0] ?? text.trim();
}

/**
 * The same server, another database.
 *
 * @param {string} url - A `postgres://` URL.
 * @param {string} database
 * @returns {string} `url` naming `database`.
 */
export function databaseUrl(url, database) {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.href;
}

/**
 * A URL to print: its password replaced by `***`.
 *
 * @param {string} url
 * @returns {string}
 */
export function redactUrl(url) {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.href;
  } catch {
    return "(not a URL)";
  }
}

/**
 * Starts a new PostgreSQL cluster in a fresh temp folder, on a free TCP port of 127.0.0.1,
 * its Unix socket in that folder, trusting every local connection as the `postgres`
 * superuser. As root, the folder belongs to the `postgres` user and `initdb` and `pg_ctl`
 * run as that user (`runuser`), since `initdb` refuses root.
 *
 * It runs with `fsync=off`: a killed client or server loses nothing committed (the written
 * pages are in the OS's cache), only a power loss would, and the tests go faster.
 *
 * @param {import("./postgres-server.d.mts").ThrowawayPostgresOptions} [options]
 * @returns {Promise<import("./postgres-server.d.mts").ThrowawayPostgres>} Once it accepts
 *   connections.
 * @throws {Error} When there are no binaries ({@link ensurePostgresBinaries}), no
 *   `postgres` user as root, or `initdb` or `pg_ctl` failed; the message holds their output
 *   and the server log's tail.
 */
export async function startThrowawayPostgres(options = {}) {
  const binDir = options.binDir ?? ensurePostgresBinaries();
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? postgresUser() : undefined;
  const folder = mkdtempSync(join(tmpdir(), "negotiation-state-pg-"));
  const dataDir = join(folder, "data");
  const logFile = join(folder, "server.log");
  try {
    if (owner !== undefined) chownSync(folder, owner.uid, owner.gid);
    const run = (command, args) =>
      runServerCommand(asRoot, join(binDir, command), args, folder, logFile);
    await run("initdb", [
      "-D",
      dataDir,
      "--auth=trust",
      "-U",
      "postgres",
      "-E",
      "UTF8",
      "--locale=C",
      "--no-sync",
    ]);
    const settings = {
      listen_addresses: "127.0.0.1",
      max_connections: "200",
      fsync: "off",
      ...options.settings,
    };
    const port = await startOnFreePort(run, dataDir, logFile, folder, settings, options.port);
    return throwawayServer({ asRoot, binDir, folder, dataDir, logFile, port, run });
  } catch (error) {
    rmSync(folder, { recursive: true, force: true });
    throw error;
  }
}

/**
 * The server a run uses: the one `NEGOTIATION_STATE_PG_URL` names, else a throwaway cluster
 * started for it ({@link ensurePostgresBinaries}, {@link startThrowawayPostgres}). Says
 * which in one line on stderr, the URL's password hidden.
 *
 * @param {string} user - Who uses it, for that line: `"the tests"`, `"deno"`.
 * @returns {Promise<{ url: string, stop(): Promise<void> }>} `stop()` stops and removes a
 *   throwaway cluster, and leaves a given server alone.
 * @throws {Error} As {@link startThrowawayPostgres}.
 */
export async function postgresForRun(user) {
  const given = process.env[POSTGRES_URL_VARIABLE];
  if (given !== undefined && given !== "") {
    process.stderr.write(
      `PostgreSQL for ${user}: ${redactUrl(given)}, from ${POSTGRES_URL_VARIABLE}\n`,
    );
    return { url: given, stop: async () => {} };
  }
  const binDir = ensurePostgresBinaries();
  const server = await startThrowawayPostgres({ binDir });
  process.stderr.write(
    `PostgreSQL ${postgresVersion(binDir)} for ${user}: a throwaway cluster on 127.0.0.1:${server.port} in ${server.folder}, removed afterwards\n`,
  );
  return server;
}

/** Servers started and not stopped yet, stopped at the latest when the process exits. */
const running = new Set();
let stopsOnExit = false;

function throwawayServer({ asRoot, binDir, folder, dataDir, logFile, port, run }) {
  let stopping;
  const entry = { stopNow: () => stopNow(asRoot, binDir, dataDir, folder) };
  trackUntilExit(entry);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    folder,
    dataDir,
    binDir,
    logFile,
    async restart(mode = "fast") {
      if (stopping !== undefined) throw new Error(`The server on port ${port} was stopped`);
      await run("pg_ctl", ["restart", "-w", "-t", "60", "-m", mode, "-D", dataDir, "-l", logFile]);
    },
    stop() {
      stopping ??= (async () => {
        running.delete(entry);
        try {
          await run("pg_ctl", ["stop", "-w", "-t", "60", "-m", "fast", "-D", dataDir]);
        } catch (error) {
          // Already gone (killed, or its folder removed) is stopped; anything else is not.
          if (existsSync(join(dataDir, "postmaster.pid"))) {
            stopNow(asRoot, binDir, dataDir, folder);
            throw error;
          }
        } finally {
          rmSync(folder, { recursive: true, force: true });
        }
      })();
      return stopping;
    },
  };
}

async function startOnFreePort(run, dataDir, logFile, folder, settings, fixedPort) {
  const tries = fixedPort === undefined ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    const port = fixedPort ?? (await freePort());
    // pg_ctl hands these to a shell.
    const serverOptions = ["-p", String(port), "-k", folder]
      .concat(Object.entries(settings).flatMap(([name, value]) => ["-c", `${name}=${value}`]))
      .map((word) => `'${word.replaceAll("'", "'\\''")}'`)
      .join(" ");
    const logBefore = sizeOf(logFile);
    try {
      await run("pg_ctl", [
        "start",
        "-w",
        "-t",
        "60",
        "-D",
        dataDir,
        "-l",
        logFile,
        "-o",
        serverOptions,
      ]);
      return port;
    } catch (error) {
      // Another process may take the port between freePort() closing it and the server binding it.
      const log = readOr(logFile, "").slice(logBefore);
      if (attempt >= tries || !/could not bind|already in use/i.test(log)) throw error;
    }
  }
}

/** A TCP port of 127.0.0.1 that nothing listens on: the OS's pick for port 0. */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once("error", reject);
    probe.listen({ port: 0, host: "127.0.0.1" }, () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Runs one of the server's programs, as the `postgres` user when this is root, in the temp
 * folder (root's working folder may be closed to that user). Rejects with its output and
 * the server log's tail.
 */
function runServerCommand(asRoot, program, args, folder, logFile) {
  const [command, commandArgs] = asRoot
    ? ["runuser", ["-u", "postgres", "--", program, ...args]]
    : [program, args];
  return new Promise((resolve, reject) => {
    execFile(
      command,
      commandArgs,
      { cwd: folder, env: { ...process.env, LC_ALL: "C" }, encoding: "utf8" },
      (error, stdout, stderr) => {
        if (error === null) return resolve(stdout);
        const output = `${stdout}${stderr}`.trim();
        reject(
          new Error(
            `${[program, ...args].join(" ")} failed (${error.code ?? error.signal}): ${output}${logTail(logFile)}`,
            { cause: error },
          ),
        );
      },
    );
  });
}
function logTail(logFile) {
  const lines = readOr(logFile, "").trimEnd().split("\n").slice(-20).join("\n");
  return lines === "" ? "" : `\nserver log (${logFile}), last lines:\n${lines}`;
}

function trackUntilExit(entry) {
  if (!stopsOnExit) {
    stopsOnExit = true;
    process.once("exit", () => {
      for (const server of running) server.stopNow();
    });
  }
  running.add(entry);
}

/** For the process's `exit`, where nothing asynchronous runs: stop at once, remove the folder. */
function stopNow(asRoot, binDir, dataDir, folder) {
  const program = join(binDir, "pg_ctl");
  const args = ["stop", "-w", "-m", "immediate", "-D", dataDir];
  try {
    if (asRoot)
      execFileSync("runuser", ["-u", "postgres", "--", program, ...args], {
        stdio: "ignore",
        cwd: folder,
      });
    else execFileSync(program, args, { stdio: "ignore" });
  } catch {
    // Already stopped.
  }
  rmSync(folder, { recursive: true, force: true });
}

function postgresUser() {
  try {
    const id = (flag) =>
      Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    throw new Error(
      "This runs as root, and initdb refuses root: it runs as the user `postgres`, which is missing (Debian's postgresql package creates it; else: useradd --system --user-group postgres)",
    );
  }
}

function defaultSearch() {
  return {
    env: process.env,
    debianRoot: DEBIAN_POSTGRES_ROOT,
    pgConfigBindir: () => {
      try {
        return execFileSync("pg_config", ["--bindir"], {
          encoding: "utf8",
          stdio: ["ignore", "pipe", "ignore"],
        }).trim();
      } catch {
        return undefined;
      }
    },
    pathFolders: (process.env.PATH ?? "").split(":"),
    exists: existsSync,
    list: (folder) => (existsSync(folder) ? readdirSync(folder) : []),
  };
}

function defaultInstaller() {
  const pathFolders = (process.env.PATH ?? "").split(":");
  return {
    canInstall:
      process.platform === "linux" &&
      process.getuid?.() === 0 &&
      pathFolders.some((folder) => folder !== "" && existsSync(join(folder, "apt-get"))),
    knowsPackage: (name) => {
      try {
        execFileSync("apt-cache", ["show", name], { stdio: "ignore" });
        return true;
      } catch {
        return false;
      }
    },
    readFile: (path) => readOr(path, undefined),
    writeFile: (path, text) => {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
    },
    run: (command, args, environment) => {
      execFileSync(command, args, {
        env: { ...process.env, ...environment },
        stdio: ["ignore", process.stderr, process.stderr],
      });
    },
    say: (line) => process.stderr.write(`${line}\n`),
  };
}

function readOr(path, fallback) {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return fallback;
  }
}

function sizeOf(path) {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
