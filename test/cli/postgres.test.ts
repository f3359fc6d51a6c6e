/**
 * The command line on PostgreSQL (DESIGN §7): every command that reads or writes
 * negotiations takes a `postgres://` URL where it takes a database file, through the real
 * built binary against the real server of the test run (NEGOTIATION_STATE_PG_URL), one
 * fresh schema per test.
 */
import { execFile } from "node:child_process";
import { copyFile, cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openSqlJsAdapter } from "../../src/adapter/sql-js-adapter.js";
import { filePersistence } from "../../src/persistence/file-persistence.js";
import { openNegotiationStore } from "../../src/store/open-negotiation-store.js";
import { negotiation, steppingClock } from "../support/negotiations.js";
import { freshSchema, postgresUrl } from "../support/postgres-database.js";
import { queryPostgres, quotedIdentifier } from "../support/postgres-query.js";
import { CLI, type CliResult, runCli } from "./run-cli.js";
import { copyOfFixture } from "./support.js";

/** A thread id that is SQL text and odd Unicode: stored and printed literally. */
const ODD_THREAD = "thread-ü 🎉 \u200b'); DROP TABLE negotiation_state; --";

/** Written in every URL the tests give, and looked for in everything the CLI prints. */
let password: string;

/** The Python service's ten negotiations plus four saved by the store; never written to. */
let source: string;
let sourceFolder: string;
/** What `export` prints of `source`. */
let sourceExport: string;

let folder: string;
const schemas: { drop(): Promise<void> }[] = [];

beforeAll(async () => {
  password = new URL(postgresUrl()).password || "hunter2-never-printed";
  sourceFolder = await mkdtemp(join(tmpdir(), "negotiation-state-cli-pg-source-"));
  source = await copyOfFixture(join(sourceFolder, "source.db"));
  const store = await openNegotiationStore({
    persistence: filePersistence(source),
    clock: steppingClock("2026-03-01T09:00:00Z", 60),
  });
  try {
    await store.save(negotiation(ODD_THREAD, ["send_offer", "receive_reply", "send_counter"]));
    await store.save(
      negotiation("thread-big", ["send_offer"], {
        context: { order_id: 9223372036854775807n, next_cpm: "25.50" },
      }),
    );
    await store.save(negotiation("thread-held", ["send_offer", "receive_reply", "pause"]));
    await store.save(negotiation("thread-won", ["send_offer", "receive_reply", "accept"]));
  } finally {
    await store.close();
  }
  sourceExport = (await succeeded(["export", source])).stdout;
});

afterAll(async () => {
  await rm(sourceFolder, { recursive: true, force: true });
});

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), "negotiation-state-cli-pg-"));
});

afterEach(async () => {
  await Promise.all(schemas.splice(0).map((schema) => schema.drop()));
  await rm(folder, { recursive: true, force: true });
});

/** A URL of the test server with a password and a fresh schema (dropped after the test). */
function schemaUrl(label: string): { url: string; schema: string; location: string } {
  const fresh = freshSchema(label);
  schemas.push(fresh);
  const url = new URL(postgresUrl());
  url.password = password;
  url.searchParams.set("schema", fresh.schema);
  const location = new URL(url.href);
  location.password = "";
  return { url: url.href, schema: fresh.schema, location: location.href };
}

/** Runs the built binary and checks that it succeeded quietly. */
async function succeeded(args: readonly string[]): Promise<CliResult> {
  const run = await runCli(args);
  expect({ args, status: run.status, stderr: run.stderr }).toEqual({ args, status: 0, stderr: "" });
  return run;
}

/** The file of JSON lines `export` printed, to import. */
async function linesFile(name: string, text: string): Promise<string> {
  const path = join(folder, name);
  await writeFile(path, text);
  return path;
}

/** A fresh schema holding `source`'s rows, imported through the command line. */
async function importedSchema(
  label: string,
): Promise<{ url: string; schema: string; location: string }> {
  const target = schemaUrl(label);
  await succeeded(["import", target.url, await linesFile("source.jsonl", sourceExport)]);
  return target;
}

async function schemaExists(schema: string): Promise<boolean> {
  const rows = await queryPostgres<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = $1",
    [schema],
  );
  return rows[0]?.n === 1;
}

/** Everything a run printed, where a password must never be. */
function printed(run: CliResult): string {
  return `${run.stdout}${run.stderr}`;
}

/** The lines of `verify`'s report of one check (`✓ rows       ...`). */
function checkLines(stdout: string, check: string): string[] {
  return stdout.split("\n").filter((line) => line.slice(2).startsWith(`${check.padEnd(11)}`));
}

/** A URL of a port where nothing listens. */
async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `postgres://agent:${password}@127.0.0.1:${port}/negotiations`;
}

describe("export and import between a file and PostgreSQL", () => {
  it("file -> PostgreSQL -> export gives the file's lines byte for byte, and PostgreSQL -> a new file gives them again", async () => {
    expect(sourceExport.split("\n").filter((line) => line !== "")).toHaveLength(14);
    expect(sourceExport).toContain(JSON.stringify(ODD_THREAD));
    expect(sourceExport).toContain('"order_id":9223372036854775807');
    // The Python service's decimals, with their trailing zeros.
    expect(sourceExport).toContain('"cpm":"25.50"');

    const { url, location } = schemaUrl("roundtrip");
    const imported = await succeeded([
      "import",
      url,
      await linesFile("source.jsonl", sourceExport),
    ]);
    expect(imported.stdout).toBe(`Imported 14 negotiations (0 replaced) into ${location}\n`);
    const fromPostgres = await succeeded(["export", url]);
    expect(fromPostgres.stdout).toBe(sourceExport);

    const back = join(folder, "back.db");
    await succeeded(["import", back, await linesFile("postgres.jsonl", fromPostgres.stdout)]);
    expect((await succeeded(["export", back])).stdout).toBe(sourceExport);

    for (const run of [imported, fromPostgres]) expect(printed(run)).not.toContain(password);
  });

  it("import into PostgreSQL replaces a negotiation already there, and --out exports a URL to a file", async () => {
    const { url, location } = await importedSchema("replace");
    const again = await succeeded(["import", url, join(folder, "source.jsonl")]);
    expect(again.stdout).toBe(`Imported 14 negotiations (14 replaced) into ${location}\n`);
    const out = join(folder, "out.jsonl");
    const exported = await runCli(["export", url, "--out", out]);
    expect(exported).toEqual({
      status: 0,
      stdout: "",
      stderr: `Exported 14 negotiations to ${out}\n`,
    });
    expect(await readFile(out, "utf8")).toBe(sourceExport);
  });

  it("import refuses a bad line on a URL and writes nothing, not even the schema", async () => {
    const { url, schema } = schemaUrl("refused");
    const lines = `${sourceExport}{"thread_id": "half"}\n`;
    const run = await runCli(["import", url, await linesFile("bad.jsonl", lines)]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^line 15: /);
    expect(run.stderr).toContain("nothing was imported");
    expect(await schemaExists(schema)).toBe(false);
  });
});

describe("reading commands on a URL", () => {
  it("list, show, history and stats print what they print on the file holding the same rows", async () => {
    const { url, location } = await importedSchema("same");
    const commands: string[][] = [
      ["list"],
      ["list", "--all", "--json"],
      ["stats"],
      ["stats", "--json"],
      ["show", "thread-paused"],
      ["show", "--json", ODD_THREAD],
      ["history", "thread-held"],
      ["show", "no-such-thread"],
    ];
    // The database argument goes where each command takes it: after the options.
    const withDatabase = (command: string[], database: string) => {
      const [name, ...rest] = command as [string, ...string[]];
      const at = name === "show" || name === "history" ? rest.length - 1 : rest.length;
      return [name, ...rest.slice(0, at), database, ...rest.slice(at)];
    };
    const runs = await Promise.all(
      commands.map(async (command) => ({
        command,
        file: await runCli(withDatabase(command, source)),
        postgres: await runCli(withDatabase(command, url)),
      })),
    );
    for (const { command, file, postgres } of runs) {
      // Only a message naming the database differs, by its name.
      const named = { ...postgres, stderr: postgres.stderr.replaceAll(location, source) };
      expect({ command, ...named }).toEqual({ command, ...file });
      expect(printed(postgres)).not.toContain(password);
    }
    const missing = runs.at(-1)?.postgres;
    expect(missing?.status).toBe(1);
    expect(missing?.stderr).toBe(
      `error: There is no negotiation on thread "no-such-thread" in ${location}\n`,
    );
    expect(runs[0]?.file.stdout).toContain("thread-held");
  });

  it("verify checks every row by the row contract and reports it as for the file: all pass, then each refused field", async () => {
    const { url, schema, location } = await importedSchema("verify");
    const file = await runCli(["verify", source]);
    const postgres = await runCli(["verify", url]);
    expect(file.status).toBe(0);
    expect(postgres).toEqual({
      status: 0,
      stderr: "",
      stdout: expect.stringMatching(
        new RegExp(
          `^Verifying ${escaped(location)}\n✓ database {3}PostgreSQL \\S.* answers; the negotiation_state table is in schema "${schema}"\n`,
        ),
      ),
    });
    expect(checkLines(postgres.stdout, "rows")).toEqual([
      "✓ rows       14 negotiations read back through the schemas",
    ]);
    expect(checkLines(postgres.stdout, "rows")).toEqual(checkLines(file.stdout, "rows"));
    expect(postgres.stdout.trimEnd().split("\n").at(-1)).toBe("All checks passed.");

    // The same damage behind the store's back, in a copy of the file and in PostgreSQL.
    const damaged = join(folder, "damaged.db");
    await copyFile(source, damaged);
    const damage: [string, string, string][] = [
      ["cpm_tracker_json", '{"campaign_id": "camp-001"}', "thread-held"],
      ["history_json", '[["initial_offer", "send_offer", "agreed"]]', ODD_THREAD],
    ];
    const adapter = await openSqlJsAdapter({ persistence: filePersistence(damaged) });
    try {
      for (const [column, value, thread] of damage) {
        await adapter.run(`UPDATE negotiation_state SET ${column} = ? WHERE thread_id = ?`, [
          value,
          thread,
        ]);
        await queryPostgres(
          `UPDATE ${quotedIdentifier(schema)}.negotiation_state SET ${column} = $1 WHERE thread_id = $2`,
          [value, thread],
        );
      }
    } finally {
      await adapter.close();
    }
    const [fileReport, postgresReport, fileJson, postgresJson, fileList, postgresList] =
      await Promise.all([
        runCli(["verify", damaged]),
        runCli(["verify", url]),
        runCli(["verify", "--json", damaged]),
        runCli(["verify", "--json", url]),
        runCli(["list", "--all", damaged]),
        runCli(["list", "--all", url]),
      ]);
    const problems = checkLines(postgresReport.stdout, "rows");
    expect(problems.length).toBeGreaterThanOrEqual(2);
    for (const line of problems) expect(line).toMatch(/^✗ rows {7}negotiation_state\["/);
    expect(problems.join("\n")).toContain('negotiation_state["thread-held"].cpm_tracker_json');
    expect(problems).toEqual(checkLines(fileReport.stdout, "rows"));
    expect(postgresReport.status).toBe(1);
    expect(fileReport.status).toBe(1);

    const report = JSON.parse(postgresJson.stdout) as {
      database: string;
      ok: boolean;
      checks: { check: string }[];
    };
    const rowsOf = (json: string) =>
      (JSON.parse(json) as { checks: { check: string }[] }).checks.filter(
        (finding) => finding.check === "rows",
      );
    expect({ database: report.database, ok: report.ok, status: postgresJson.status }).toEqual({
      database: location,
      ok: false,
      status: 1,
    });
    expect(rowsOf(postgresJson.stdout)).toEqual(rowsOf(fileJson.stdout));
    // list skips the same rows, saying so in the same words.
    expect(postgresList).toEqual(fileList);
    expect(postgresList.stderr).toContain("skipped: ");
  });

  it("change nothing: on a schema that does not exist they fail naming it, and create nothing", async () => {
    const { url, schema, location } = schemaUrl("absent");
    const [list, exported, verify] = await Promise.all([
      runCli(["list", url]),
      runCli(["export", url]),
      runCli(["verify", url]),
    ]);
    const missing = `there is no schema "${schema}", so no negotiation_state table (reading creates nothing; import creates it)`;
    for (const run of [list, exported]) {
      expect(run).toEqual({
        status: 1,
        stdout: "",
        stderr: `error: Cannot read ${location}: ${missing}\n`,
      });
    }
    expect(verify).toEqual({
      status: 1,
      stderr: "",
      stdout: `Verifying ${location}\n✗ database   ${missing}\n1 problem.\n`,
    });
    expect(await schemaExists(schema)).toBe(false);
  });
});

describe("refusals", () => {
  it("checkpoint and repair refuse a URL in one line, as a usage error, without connecting", async () => {
    const dead = await deadUrl();
    const refused: [string, string][] = [
      ["checkpoint", dead],
      ["repair", dead.replace("postgres://", "postgresql://")],
    ];
    const runs = await Promise.all(
      refused.map(async ([command, url]) => ({ command, run: await runCli([command, url]) })),
    );
    for (const { command, run } of runs) {
      expect(run).toEqual({
        status: 2,
        stdout: "",
        stderr: `error: ${command} works on a database file's journal; PostgreSQL commits every change itself, so a postgres:// database needs neither checkpoint nor repair\n`,
      });
    }
  });

  it("a URL where nothing listens fails in one line naming it without its password", async () => {
    const dead = await deadUrl();
    const location = dead.replace(`:${password}@`, "@");
    const lines = await linesFile("source.jsonl", sourceExport);
    const runs = await Promise.all(
      [
        ["list", dead],
        ["history", dead, "thread-paused"],
        ["export", dead],
        ["import", dead, lines],
      ].map((args) => runCli(args)),
    );
    for (const run of runs) {
      expect(run.status).toBe(1);
      expect(run.stdout).toBe("");
      expect(run.stderr).toMatch(
        new RegExp(
          `^error: PostgreSQL ${escaped(location)}: connecting failed: .*ECONNREFUSED.*\n$`,
        ),
      );
      expect(printed(run)).not.toContain(password);
    }
    const verify = await runCli(["verify", dead]);
    expect(verify.status).toBe(1);
    expect(verify.stdout).toMatch(
      new RegExp(`^Verifying ${escaped(location)}\n✗ database   connecting failed: .*ECONNREFUSED`),
    );
    expect(printed(verify)).not.toContain(password);
  });

  it("a ?schema= PostgreSQL cannot take is refused, naming the parameter", async () => {
    const url = new URL(postgresUrl());
    url.searchParams.set("schema", "");
    const run = await runCli(["list", url.href]);
    expect(run).toEqual({
      status: 1,
      stdout: "",
      stderr: "error: ?schema=: must be a non-empty schema name without NUL characters\n",
    });
  });
});

describe("without node-postgres installed", () => {
  it("every command works on a file, and a URL says in one line to npm install pg", async () => {
    // The package as installed without its optional peer: its build, its manifest, and its
    // dependencies, in a folder where `pg` does not resolve.
    const root = fileURLToPath(new URL("../../", import.meta.url));
    const installed = join(folder, "installed");
    await cp(join(root, "dist"), join(installed, "dist"), { recursive: true });
    const manifest = await readFile(join(root, "package.json"), "utf8");
    await writeFile(join(installed, "package.json"), manifest);
    for (const name of Object.keys(JSON.parse(manifest).dependencies as Record<string, string>)) {
      const link = join(installed, "node_modules", name);
      await mkdir(join(link, ".."), { recursive: true });
      await symlink(join(root, "node_modules", name), link, "dir");
    }
    const cli = join(installed, "dist", "cli.js");
    expect(() => createRequire(cli).resolve("pg")).toThrow();
    expect(() => createRequire(CLI).resolve("pg")).not.toThrow();

    const copy = join(folder, "copy.db");
    const onFile = await Promise.all([
      runInstalled(cli, ["list", "--all", source]),
      runInstalled(cli, ["export", source]),
      runInstalled(cli, ["verify", source]),
      runInstalled(cli, ["import", copy, await linesFile("source.jsonl", sourceExport)]),
    ]);
    for (const run of onFile)
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: "" });
    expect(onFile[1]?.stdout).toBe(sourceExport);
    expect(onFile[0]?.stdout).toBe((await succeeded(["list", "--all", source])).stdout);

    const url = schemaUrl("nopg").url;
    for (const args of [
      ["list", url],
      ["import", url, join(folder, "source.jsonl")],
      ["verify", url],
    ]) {
      expect(await runInstalled(cli, args)).toEqual({
        status: 1,
        stdout: "",
        stderr:
          "error: A postgres:// URL needs node-postgres, which is not installed here: run npm install pg\n",
      });
    }
  });
});

/** Runs a copy of the command line (not the one in dist/) with Node, NODE_PATH unset. */
function runInstalled(cli: string, args: readonly string[]): Promise<CliResult> {
  const env = { ...process.env };
  delete env.NODE_PATH;
  delete env.FORCE_COLOR;
  delete env.NO_COLOR;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [cli, ...args],
      { env, timeout: 20_000 },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== "number") reject(error);
        else resolve({ status: error === null ? 0 : (error.code as number), stdout, stderr });
      },
    );
  });
}

function escaped(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
