import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, describe, expect, test } from "vitest";
import {
  CREATECLUSTER_CONF,
  databaseUrl,
  ensurePostgresBinaries,
  findPostgresBinaries,
  POSTGRES_URL_VARIABLE,
  type PostgresInstaller,
  type PostgresSearch,
  startThrowawayPostgres,
} from "./postgres-server.mjs";

const withPostgres = fileURLToPath(new URL("with-postgres.mjs", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "postgres-server-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function connected(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  return client;
}

describe("the global setup's server", () => {
  test("NEGOTIATION_STATE_PG_URL is set in the workers and their child processes, and answers SELECT 1", async () => {
    const url = process.env[POSTGRES_URL_VARIABLE];
    expect(url).toMatch(/^postgres(ql)?:\/\//);
    const seenByChild = execFileSync(
      process.execPath,
      ["-e", `process.stdout.write(process.env.${POSTGRES_URL_VARIABLE} ?? "")`],
      { encoding: "utf8" },
    );
    expect(seenByChild).toBe(url);
    const client = await connected(url as string);
    try {
      const { rows } = await client.query("SELECT 1 AS one");
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await client.end();
    }
  });
});

describe("startThrowawayPostgres", () => {
  test("keeps a committed row across restart(), which ends the connections open before it; its databases are its own", async () => {
    const server = await startThrowawayPostgres();
    try {
      expect(server.url).toBe(`postgres://postgres@127.0.0.1:${server.port}/postgres`);
      expect(server.url).not.toBe(process.env[POSTGRES_URL_VARIABLE]);
      const before = await connected(server.url);
      const dropped: Error[] = [];
      before.on("error", (error) => dropped.push(error));
      await before.query("CREATE TABLE kept (id integer PRIMARY KEY, note text NOT NULL)");
      await before.query("INSERT INTO kept VALUES (1, 'committed before the restart')");

      await server.restart();

      await expect(before.query("SELECT 1")).rejects.toThrow();
      await before.end().catch(() => {});
      const after = await connected(server.url);
      try {
        const { rows } = await after.query("SELECT id, note FROM kept");
        expect(rows).toEqual([{ id: 1, note: "committed before the restart" }]);
        const { rows: settings } = await after.query("SHOW max_connections");
        expect(settings).toEqual([{ max_connections: "200" }]);
        await after.query("CREATE DATABASE other");
      } finally {
        await after.end();
      }
      const other = await connected(databaseUrl(server.url, "other"));
      const { rows } = await other.query("SELECT current_database() AS name");
      await other.end();
      expect(rows).toEqual([{ name: "other" }]);
    } finally {
      await server.stop();
    }
  });

  test("stop() removes the folder and the port stops answering; stopping again does nothing", async () => {
    const server = await startThrowawayPostgres();
    expect(existsSync(join(server.dataDir, "PG_VERSION"))).toBe(true);
    await server.stop();
    expect(existsSync(server.folder)).toBe(false);
    await expect(connected(server.url)).rejects.toMatchObject({ code: "ECONNREFUSED" });
    await server.stop();
  });

  test("a server that cannot start says why, with the server log's tail, and leaves no folder", async () => {
    const before = readdirSync(tmpdir()).filter((name) => name.startsWith("negotiation-state-pg-"));
    const failed = startThrowawayPostgres({ settings: { shared_buffers: "not-a-size" } });
    await expect(failed).rejects.toThrow(/server log .*last lines:\n[\s\S]*shared_buffers/);
    const after = readdirSync(tmpdir()).filter((name) => name.startsWith("negotiation-state-pg-"));
    expect(after.filter((name) => !before.includes(name))).toEqual([]);
  });
});

describe("with-postgres.mjs", () => {
  const query = `const pg = require("pg");
const client = new pg.Client(process.env.${POSTGRES_URL_VARIABLE});
client.connect().then(() => client.query("SELECT 40 + 2 AS n"))
  .then(({ rows }) => { process.stdout.write(process.env.${POSTGRES_URL_VARIABLE} + " " + rows[0].n); return client.end(); })
  .then(() => process.exit(7));`;

  test("without NEGOTIATION_STATE_PG_URL, runs the command against a throwaway server, removes it after, and exits with its code", () => {
    const { [POSTGRES_URL_VARIABLE]: _shared, ...environment } = process.env;
    const run = spawnSync(process.execPath, [withPostgres, process.execPath, "-e", query], {
      encoding: "utf8",
      env: environment,
    });
    expect(run.status).toBe(7);
    const folder = /a throwaway cluster on 127\.0\.0\.1:(\d+) in (\S+), removed afterwards/.exec(
      run.stderr,
    );
    expect(folder, run.stderr).not.toBeNull();
    expect(run.stdout).toBe(`postgres://postgres@127.0.0.1:${folder?.[1]}/postgres 42`);
    expect(existsSync(folder?.[2] as string)).toBe(false);
  });

  test("with NEGOTIATION_STATE_PG_URL set, runs the command against that server", () => {
    const run = spawnSync(process.execPath, [withPostgres, process.execPath, "-e", query], {
      encoding: "utf8",
    });
    expect(run.status).toBe(7);
    expect(run.stdout).toBe(`${process.env[POSTGRES_URL_VARIABLE]} 42`);
    expect(run.stderr).toContain(`from ${POSTGRES_URL_VARIABLE}`);
  });
});

describe("finding and installing the server binaries", () => {
  test("this machine's binaries are found: a folder holding initdb and pg_ctl", () => {
    const binDir = findPostgresBinaries();
    expect(binDir).toBeDefined();
    expect(existsSync(join(binDir as string, "initdb"))).toBe(true);
    expect(existsSync(join(binDir as string, "pg_ctl"))).toBe(true);
  });

  test("POSTGRES_BIN naming a folder without them is refused, not passed over", () => {
    const empty = join(scratch, "empty-bin");
    mkdirSync(empty, { recursive: true });
    expect(() =>
      findPostgresBinaries({ ...machineSearch(), env: { POSTGRES_BIN: empty } }),
    ).toThrow(`POSTGRES_BIN names ${empty}, which holds no initdb and pg_ctl`);
  });

  test("the newest Debian major wins, then pg_config, then PATH", () => {
    const root = join(scratch, "search");
    for (const folder of ["lib/9.6/bin", "lib/15/bin", "lib/16/bin", "config", "path"]) {
      mkdirSync(join(root, folder), { recursive: true });
    }
    // 16 has no pg_ctl, so it does not count.
    for (const folder of ["lib/9.6/bin", "lib/15/bin", "config", "path"]) {
      writeFileSync(join(root, folder, "initdb"), "");
      writeFileSync(join(root, folder, "pg_ctl"), "");
    }
    writeFileSync(join(root, "lib/16/bin/initdb"), "");
    const search = {
      ...emptySearch(root),
      debianRoot: join(root, "lib"),
      pgConfigBindir: () => join(root, "config"),
      pathFolders: ["", join(root, "path")],
    };
    expect(findPostgresBinaries(search)).toBe(join(root, "lib/15/bin"));
    expect(findPostgresBinaries({ ...search, debianRoot: join(root, "none") })).toBe(
      join(root, "config"),
    );
    expect(
      findPostgresBinaries({
        ...search,
        debianRoot: join(root, "none"),
        pgConfigBindir: () => undefined,
      }),
    ).toBe(join(root, "path"));
  });

  test("none found, as root with apt-get: says so once, turns the system cluster off, updates the lists apt lacks, installs postgresql", () => {
    const root = join(scratch, "install");
    const { installer, calls, said, files } = recordingInstaller({
      knowsPackage: false,
      onInstall: () => makeBinaries(join(root, "17/bin")),
    });
    files.set(CREATECLUSTER_CONF, "ssl = on\n#create_main_cluster = true\nport = 5432\n");

    const binDir = ensurePostgresBinaries({ search: emptySearch(root), installer });

    expect(binDir).toBe(join(root, "17/bin"));
    expect(files.get(CREATECLUSTER_CONF)).toBe(
      "ssl = on\ncreate_main_cluster = false\nport = 5432\n",
    );
    expect(calls).toEqual([
      `write ${CREATECLUSTER_CONF}`,
      "apt-get update",
      "apt-get install -y --no-install-recommends -o Dpkg::Options::=--force-confold postgresql",
    ]);
    expect(said[0]).toMatch(
      /^No PostgreSQL server binaries .*: installing Debian's postgresql with apt-get/,
    );
    expect(said).toEqual([said[0], `PostgreSQL installed: ${join(root, "17/bin")}`]);
  });

  test("apt's lists know postgresql: no update, unless the install fails on them", () => {
    const root = join(scratch, "install-again");
    let installs = 0;
    const { installer, calls, files } = recordingInstaller({
      knowsPackage: true,
      onInstall: () => {
        installs++;
        if (installs === 1) throw new Error("404 Not Found");
        makeBinaries(join(root, "15/bin"));
      },
    });

    expect(ensurePostgresBinaries({ search: emptySearch(root), installer })).toBe(
      join(root, "15/bin"),
    );
    expect(files.get(CREATECLUSTER_CONF)).toMatch(/^create_main_cluster = false$/m);
    expect(calls.map((call) => call.split(" ").slice(0, 2).join(" "))).toEqual([
      `write ${CREATECLUSTER_CONF}`,
      "apt-get install",
      "apt-get update",
      "apt-get install",
    ]);
  });

  test("none found and no way to install: an error saying what to install or to set NEGOTIATION_STATE_PG_URL, nothing run", () => {
    const { installer, calls } = recordingInstaller({ knowsPackage: true, onInstall: () => {} });
    const refused = () =>
      ensurePostgresBinaries({
        search: emptySearch(join(scratch, "nothing")),
        installer: { ...installer, canInstall: false },
      });
    expect(refused).toThrow(/apt-get install postgresql.*POSTGRES_BIN.*NEGOTIATION_STATE_PG_URL/);
    expect(calls).toEqual([]);
  });
});

/** The machine's own search, as findPostgresBinaries uses it by default. */
function machineSearch(): PostgresSearch {
  return {
    ...emptySearch("/usr/lib/postgresql"),
    pathFolders: (process.env.PATH ?? "").split(":"),
  };
}

/** Looks only in `root` (as if it were /usr/lib/postgresql): no POSTGRES_BIN, pg_config or PATH. */
function emptySearch(root: string): PostgresSearch {
  return {
    env: {},
    debianRoot: root,
    pgConfigBindir: () => undefined,
    pathFolders: [],
    exists: existsSync,
    list: (folder) => (existsSync(folder) ? readdirSync(folder) : []),
  };
}

function makeBinaries(binDir: string): void {
  mkdirSync(binDir, { recursive: true });
  writeFileSync(join(binDir, "initdb"), "");
  writeFileSync(join(binDir, "pg_ctl"), "");
}

/** An installer that runs nothing: it records, and `apt-get install` calls `onInstall`. */
function recordingInstaller(behaviour: { knowsPackage: boolean; onInstall: () => void }) {
  const calls: string[] = [];
  const said: string[] = [];
  const files = new Map<string, string>();
  const installer: PostgresInstaller = {
    canInstall: true,
    knowsPackage: () => behaviour.knowsPackage,
    readFile: (path) => files.get(path),
    writeFile: (path, text) => {
      calls.push(`write ${path}`);
      files.set(path, text);
    },
    run: (command, args, environment) => {
      calls.push([command, ...args].join(" "));
      if (environment.DEBIAN_FRONTEND !== "noninteractive") throw new Error("apt-get would ask");
      if (args[0] === "install") behaviour.onInstall();
    },
    say: (line) => said.push(line),
  };
  return { installer, calls, said, files };
}
