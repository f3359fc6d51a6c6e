import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqlJsAdapter } from "../../src/adapter/sql-js-adapter.js";
import { runCli as runInProcess } from "../../src/cli/run-cli.js";
import { WIRE_FIELDS } from "../../src/cli/wire-format.js";
import { filePersistence } from "../../src/persistence/file-persistence.js";
import { decodeJournal, encodeJournalEntries } from "../../src/persistence/journal-codec.js";
import { openNegotiationStore } from "../../src/store/open-negotiation-store.js";
import { negotiation, steppingClock } from "../support/negotiations.js";
import { CLI, type CliResult, type CliRuntime, runCli } from "./run-cli.js";
import { copyOfFixture, copyWithJournal, LockHolders, storeWithJournal } from "./support.js";

let folder: string;
const holders = new LockHolders();

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), "negotiation-state-transfer-"));
});

afterEach(async () => {
  holders.killAll();
  await rm(folder, { recursive: true, force: true });
});

/** Runs the built binary, with a time limit for the large files some tests write. */
function cli(args: readonly string[], runtime: CliRuntime = "node"): Promise<CliResult> {
  return runCli(args, { runtime, timeout: 60_000 });
}

/** A writable copy of the Python service's database. */
function fixtureCopy(name = "python.db"): Promise<string> {
  return copyOfFixture(join(folder, name));
}

/**
 * A database as a crash would leave it while an agent has it open: a database file (from
 * a first session, closed) plus a journal of three later saves, copied without the lock.
 */
async function journaledCopy(name = "journaled.db"): Promise<string> {
  const live = join(folder, "live", "negotiations.db");
  const store = await storeWithJournal(
    live,
    [negotiation("thread-a"), negotiation("thread-b", ["send_offer", "receive_reply"])],
    [
      negotiation("thread-c", ["send_offer", "receive_reply", "accept"]),
      negotiation("thread-a", ["send_offer", "timeout"]),
      negotiation("thread-d", ["send_offer", "pause"]),
    ],
    steppingClock("2026-03-01T09:00:00Z", 60),
  );
  const path = join(folder, name);
  try {
    await copyWithJournal(live, path);
  } finally {
    await store.close();
  }
  return path;
}

/** Every file of the test folder (recursively) with its bytes and modification time. */
async function filesIn(path = folder): Promise<Map<string, { bytes: Buffer; mtime: number }>> {
  const files = new Map<string, { bytes: Buffer; mtime: number }>();
  for (const entry of await readdir(path, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    files.set(file, { bytes: await readFile(file), mtime: (await stat(file)).mtimeMs });
  }
  return files;
}

const lines = (text: string) => text.split("\n").filter((line) => line !== "");

/** Where the valid records of a journal end (zeros are written ahead of them). */
async function recordsEnd(journal: string): Promise<number> {
  return decodeJournal(await readFile(journal), journal).validBytes;
}

async function exportLines(database: string): Promise<string[]> {
  const run = await cli(["export", database]);
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  return lines(run.stdout);
}

async function writeLines(name: string, content: readonly unknown[]): Promise<string> {
  const path = join(folder, name);
  const text = content.map((line) => (typeof line === "string" ? line : JSON.stringify(line)));
  await writeFile(path, `${text.join("\n")}\n`);
  return path;
}

/** Sets one column of one row with SQL, behind the store's back. */
async function setColumn(database: string, thread: string, column: string, value: string) {
  const adapter = await openSqlJsAdapter({ persistence: filePersistence(database) });
  await adapter.run(`UPDATE negotiation_state SET ${column} = ? WHERE thread_id = ?`, [
    value,
    thread,
  ]);
  await adapter.close();
}

describe("export", () => {
  it("stops quietly when its reader stops early (| head)", async () => {
    // Far more than a pipe's buffer, so the export is still writing when the reader goes.
    const path = join(folder, "large.db");
    const store = await openNegotiationStore({ persistence: filePersistence(path) });
    await store.transaction(async (tx) => {
      for (let i = 0; i < 400; i++) {
        await tx.save(
          negotiation(`thread-${i}`, ["send_offer"], { context: { note: "x".repeat(2000) } }),
        );
      }
    });
    await store.close();
    const child = spawn(process.execPath, [CLI, "export", path]);
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.stdout.once("data", () => child.stdout.destroy());
    const status = await new Promise((resolve) => child.once("exit", resolve));
    expect(stderr).toBe("");
    expect(status).toBe(0);
  });

  it("writes every negotiation of a Python-written database, in any state, oldest first, one JSON line each", async () => {
    const exported = (await exportLines(await fixtureCopy())).map(
      (line) => JSON.parse(line) as Record<string, unknown>,
    );
    expect(exported).toHaveLength(10);
    for (const line of exported) expect(Object.keys(line)).toEqual([...WIRE_FIELDS]);
    const order = exported.map((line) => `${line.created_at} ${line.thread_id}`);
    expect(order).toEqual([...order].sort());
    expect(new Set(exported.map((line) => line.state)).size).toBe(10);
    const paused = exported.find((line) => line.thread_id === "thread-paused");
    // JSON columns as values, decimals as Python wrote them.
    expect(paused?.cpm_tracker_json).toMatchObject({
      agreements: [{ cpm: "25.50" }, { cpm: "22" }],
    });
    expect(paused?.history_json).toHaveLength(4);
  });

  it("export, import into an empty database, export again: the same lines, for a Python file and a journaled one", async () => {
    for (const source of [await fixtureCopy(), await journaledCopy()]) {
      const first = await exportLines(source);
      const file = await writeLines(`${basename(source)}.jsonl`, first);
      const target = join(folder, "fresh", `${first.length}.db`);
      const imported = await cli(["import", target, file]);
      expect(imported.stderr).toBe("");
      expect(imported.stdout).toBe(
        `Imported ${first.length} negotiations (0 replaced) into ${target}\n`,
      );
      expect(imported.status).toBe(0);
      expect(await exportLines(target)).toEqual(first);
      // The import is durable and complete in the database file alone.
      expect(await readdir(join(folder, "fresh"))).toEqual(
        expect.not.arrayContaining([expect.stringMatching(/journal|lock/)]),
      );
    }
  });

  it("keeps integers beyond 2^53 exactly: export, import, export, and show", async () => {
    const source = join(folder, "big.db");
    const store = await openNegotiationStore({ persistence: filePersistence(source) });
    const context = { order_id: 9223372036854775807n, ids: [-18446744073709551617n, 7] };
    await store.save(negotiation("thread-big", ["send_offer"], { context }));
    await store.close();

    const first = await exportLines(source);
    expect(first[0]).toContain('"order_id":9223372036854775807');
    expect(first[0]).toContain('"ids":[-18446744073709551617,7]');
    const target = join(folder, "big-imported.db");
    expect((await cli(["import", target, await writeLines("big.jsonl", first)])).status).toBe(0);
    expect(await exportLines(target)).toEqual(first);

    const shown = await cli(["show", target, "thread-big"]);
    expect({ status: shown.status, stderr: shown.stderr }).toEqual({ status: 0, stderr: "" });
    expect(shown.stdout).toContain('"order_id": 9223372036854775807');
  });

  it("sees what a journaled database holds: the file's saves and the journal's", async () => {
    const exported = (await exportLines(await journaledCopy())).map((line) => JSON.parse(line));
    expect(exported.map((line) => [line.thread_id, line.state])).toEqual([
      ["thread-a", "stale"],
      ["thread-b", "counter_received"],
      ["thread-c", "agreed"],
      ["thread-d", "paused"],
    ]);
  });

  it("with --out, writes the file whole, says so on standard error, and leaves no temp file", async () => {
    const database = await fixtureCopy();
    const out = join(folder, "backup.jsonl");
    await writeFile(out, "an older backup\n");
    const run = await cli(["export", database, "--out", out]);
    expect(run).toEqual({ status: 0, stdout: "", stderr: `Exported 10 negotiations to ${out}\n` });
    expect(lines(await readFile(out, "utf8"))).toEqual(await exportLines(database));
    expect((await readdir(folder)).sort()).toEqual(["backup.jsonl", "python.db"]);
  });

  it("a failed export leaves the --out file as it was, and no half-written file", async () => {
    const garbage = join(folder, "garbage.db");
    await writeFile(garbage, "this is not a database ".repeat(100));
    const out = join(folder, "backup.jsonl");
    await writeFile(out, "an older backup\n");
    const run = await cli(["export", garbage, "--out", out]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`${garbage} is corrupt or not a SQLite database`);
    expect(await readFile(out, "utf8")).toBe("an older backup\n");
    const missingFolder = await cli([
      "export",
      await fixtureCopy(),
      "--out",
      join(folder, "missing", "out.jsonl"),
    ]);
    expect(missingFolder.status).toBe(1);
    expect((await readdir(folder)).sort()).toEqual(["backup.jsonl", "garbage.db", "python.db"]);
  });

  it("refuses to write over the database it reads", async () => {
    const database = await fixtureCopy();
    const before = await readFile(database);
    const run = await cli(["export", database, "--out", database]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("is the database's own file");
    expect(await readFile(database)).toEqual(before);
  });

  it("writes a column that is not JSON as its text, warns, exits 1; importing that line is refused naming the column", async () => {
    const database = await fixtureCopy();
    await setColumn(database, "thread-stale", "context_json", "{not json");
    const run = await cli(["export", database]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`thread "thread-stale": context_json is not JSON`);
    const exported = lines(run.stdout);
    expect(exported).toHaveLength(10);
    const stale = exported.findIndex((line) => JSON.parse(line).context_json === "{not json");
    expect(stale).toBeGreaterThanOrEqual(0);
    const file = await writeLines("broken.jsonl", exported);
    const imported = await cli(["import", join(folder, "new.db"), file]);
    expect(imported.status).toBe(1);
    expect(imported.stderr).toContain(`line ${stale + 1}: context_json: is text that is not JSON`);
  });
});

describe("import", () => {
  /** Lines of the fixture, parsed, for tests to spoil. */
  async function fixtureLines(): Promise<Record<string, unknown>[]> {
    return (await exportLines(await fixtureCopy("source.db"))).map((line) => JSON.parse(line));
  }

  it("refuses a file with several bad lines: names each line and field, writes nothing, exits 1", async () => {
    const good = await fixtureLines();
    const [a, b, c, d, e] = good as [
      Record<string, unknown>,
      Record<string, unknown>,
      Record<string, unknown>,
      Record<string, unknown>,
      Record<string, unknown>,
    ];
    const file = await writeLines("bad.jsonl", [
      { ...a, thread_id: "new-1" },
      { ...b, thread_id: "new-2", round_count: -1 },
      "{not json",
      {
        ...c,
        thread_id: "new-3",
        campaign_json: {
          ...(c.campaign_json as object),
          cpm_range: { min_cpm: "40", max_cpm: "30" },
        },
      },
      { ...d, thread_id: "new-4", state: "agreed", created_at: "2026-02-19 18:16:12" },
      {
        ...e,
        thread_id: "new-5",
        cpm_tracker_json: { ...(e.cpm_tracker_json as object), target_max_cpm: 30.5 },
        history_json: [["initial_offer", "fly", "awaiting_reply"]],
      },
      { ...a, thread_id: "new-1" },
      { ...a, thread_id: "new-6", surprise: true },
    ]);
    const database = await fixtureCopy();
    const before = await filesIn();
    const run = await cli(["import", database, file]);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("");
    expect(lines(run.stderr)).toEqual([
      "line 2: round_count: must be a non-negative integer, got -1",
      expect.stringMatching(/^line 3: not JSON: /),
      "line 4: campaign_json.cpm_range.min_cpm: must not exceed max_cpm (40 > 30)",
      // A line's refusals come in the table's column order, as the row contract gives them.
      `line 5: state: is "agreed", but the history ends in "${(d.history_json as string[][]).at(-1)?.[2]}"`,
      'line 5: created_at: expected a UTC time as YYYY-MM-DDTHH:MM:SSZ, got "2026-02-19 18:16:12"',
      expect.stringMatching(
        /^line 6: cpm_tracker_json\.target_max_cpm: expected money, got the number 30\.5/,
      ),
      'line 6: history_json[0][1]: unknown event "fly"',
      'line 7: thread_id: "new-1" is also on line 1; a file holds each negotiation once',
      expect.stringMatching(/^line 8: surprise: unknown field/),
      `refused: ${file}: 9 problems on 7 of 8 lines; nothing was imported`,
    ]);
    // Byte for byte, and no journal or lock left behind.
    expect(await filesIn()).toEqual(before);
  });

  it("given a SQLite database instead of JSON lines, says so in one line with the command that copies one, exits 1 and writes nothing", async () => {
    const source = await fixtureCopy("source.db");
    const target = join(folder, "target.db");
    const before = await filesIn();
    const run = await cli(["import", target, source]);
    expect(run).toEqual({
      status: 1,
      stdout: "",
      stderr: `error: ${source} is a SQLite database, not JSON lines; to copy its negotiations, run: negotiation-state export ${source} --out negotiations.jsonl && negotiation-state import ${target} negotiations.jsonl\n`,
    });
    expect(await filesIn()).toEqual(before);
    // The command it gives does copy the database.
    const out = join(folder, "negotiations.jsonl");
    expect((await cli(["export", source, "--out", out])).status).toBe(0);
    expect((await cli(["import", target, out])).status).toBe(0);
    expect(await exportLines(target)).toEqual(await exportLines(source));
  });

  it("given a binary, compressed, UTF-16 or non-UTF-8 file, says what it is in one line, exits 1 and writes nothing", async () => {
    const [line] = await fixtureLines();
    const json = new TextEncoder().encode(`${JSON.stringify(line)}\n`);
    const cases: [string, Uint8Array, string][] = [
      [
        "image.png",
        Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]),
        "is a binary file, not JSON lines: it holds a NUL byte at offset 8",
      ],
      [
        "lines.jsonl.gz",
        Uint8Array.from([0x1f, 0x8b, 0x08, 0, 1, 2, 3]),
        "is gzip-compressed, not JSON lines: decompress it first (gunzip)",
      ],
      [
        "utf16.jsonl",
        Uint8Array.from([0xff, 0xfe, 0x7b, 0, 0x7d, 0]),
        "is UTF-16 text; import reads JSON lines in UTF-8, as export writes them",
      ],
      [
        "latin1.jsonl",
        Uint8Array.from([...json.slice(0, 20), 0xe9, ...json.slice(20)]),
        "is not UTF-8 text, so not JSON lines as export writes them",
      ],
    ];
    const target = join(folder, "target.db");
    for (const [name, bytes, problem] of cases) {
      const file = join(folder, name);
      await writeFile(file, bytes);
      const run = await cli(["import", target, file]);
      expect({ name, ...run }).toEqual({
        name,
        status: 1,
        stdout: "",
        stderr: `error: ${file} ${problem}\n`,
      });
    }
    expect((await readdir(folder)).sort()).toEqual(
      [...cases.map(([name]) => name), "source.db"].sort(),
    );
  });

  it("creates no database when the file is refused", async () => {
    const file = await writeLines("bad.jsonl", ["[]"]);
    const run = await cli(["import", join(folder, "new.db"), file]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("line 1: expected a JSON object, got a list");
    expect((await readdir(folder)).sort()).toEqual(["bad.jsonl"]);
  });

  it("is all or nothing: one refused line among good ones, and none is written", async () => {
    const good = await fixtureLines();
    const renamed = good.map((line, index) => ({ ...line, thread_id: `copy-${index}` }));
    const file = await writeLines("mixed.jsonl", [
      ...renamed.slice(0, 5),
      { ...renamed[5], updated_at: "yesterday" },
      ...renamed.slice(6),
    ]);
    const database = await fixtureCopy();
    const before = await exportLines(database);
    const run = await cli(["import", database, file]);
    expect(run.status).toBe(1);
    expect(lines(run.stderr)[0]).toBe(
      'line 6: updated_at: expected a UTC time as YYYY-MM-DDTHH:MM:SSZ, got "yesterday"',
    );
    expect(await exportLines(database)).toEqual(before);
  });

  it("replaces negotiations already there, keeps each line's timestamps, and counts the replaced", async () => {
    const good = await fixtureLines();
    const changed = good.map((line) =>
      line.thread_id === "thread-stale"
        ? { ...line, round_count: 7, updated_at: "2026-05-01T00:00:00Z" }
        : line,
    );
    const added = { ...good[0], thread_id: "thread-new", created_at: "2027-01-01T00:00:00Z" };
    const file = await writeLines("update.jsonl", [...changed, added]);
    const database = await fixtureCopy();
    const run = await cli(["import", database, file]);
    expect(run.stdout).toBe(`Imported 11 negotiations (10 replaced) into ${database}\n`);
    expect(run.status).toBe(0);
    const after = (await exportLines(database)).map((line) => JSON.parse(line));
    expect(after).toEqual([...changed, added]);
  });

  it("accepts the JSON columns as their JSON text, as stored", async () => {
    const good = await fixtureLines();
    const asText = good.map((line) => ({
      ...line,
      context_json: JSON.stringify(line.context_json, null, 1),
      campaign_json: JSON.stringify(line.campaign_json),
      cpm_tracker_json: JSON.stringify(line.cpm_tracker_json),
      history_json: JSON.stringify(line.history_json),
    }));
    const file = await writeLines("text.jsonl", asText);
    const target = join(folder, "text.db");
    const run = await cli(["import", target, file]);
    expect(run.status).toBe(0);
    expect((await exportLines(target)).map((line) => JSON.parse(line))).toEqual(good);
  });

  it("lists the first 50 refusals, then how many more", async () => {
    const file = await writeLines(
      "many.jsonl",
      Array.from({ length: 60 }, () => "nope"),
    );
    const run = await cli(["import", join(folder, "new.db"), file]);
    expect(run.status).toBe(1);
    const reported = lines(run.stderr);
    expect(reported.filter((line) => line.startsWith("line "))).toHaveLength(50);
    expect(reported.at(-2)).toBe("... and 10 more");
    expect(reported.at(-1)).toBe(
      `refused: ${file}: 60 problems on 60 of 60 lines; nothing was imported`,
    );
  });

  it("draws no progress bar when standard error is not a terminal", async () => {
    const [line] = await fixtureLines();
    const many = Array.from({ length: 1500 }, (_, index) => ({ ...line, thread_id: `t-${index}` }));
    const file = await writeLines("large.jsonl", many);
    const run = await cli(["import", join(folder, "large.db"), file]);
    expect(run).toEqual({
      status: 0,
      stdout: `Imported 1500 negotiations (0 replaced) into ${join(folder, "large.db")}\n`,
      stderr: "",
    });
  });

  it("draws a progress bar on a terminal, for large files only", async () => {
    const [line] = await fixtureLines();
    const many = Array.from({ length: 1500 }, (_, index) => ({ ...line, thread_id: `t-${index}` }));
    const run = async (content: readonly unknown[], name: string) => {
      let stderr = "";
      const status = await runInProcess(
        ["import", join(folder, `${name}.db`), await writeLines(`${name}.jsonl`, content)],
        {
          stdout: { write: () => true },
          stderr: { write: (text: string) => (stderr += text), isTTY: true },
          env: {},
        },
      );
      return { status, stderr };
    };
    const large = await run(many, "large");
    expect(large.status).toBe(0);
    expect(large.stderr).toMatch(/^\r\[\.{20}\] 0% 0\/1500 lines checked/);
    expect(large.stderr).toMatch(/\r\[[#.]{20}\] \d+% \d+\/1500 negotiations written/);
    expect(large.stderr.endsWith("\r\u001b[2K")).toBe(true);
    const small = await run(many.slice(0, 10), "small");
    expect(small).toEqual({ status: 0, stderr: "" });
  });

  it("takes the writer lock: refused while an agent holds it, and nothing is written", async () => {
    const database = await fixtureCopy();
    const holder = await holders.hold(database);
    const file = await writeLines("one.jsonl", [
      { ...(await fixtureLines())[0], thread_id: "late" },
    ]);
    const run = await cli(["import", database, file]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/is locked/);
    expect(run.stderr).toContain(`held by process ${holder.child.pid}`);
    expect(await exportLines(database)).not.toEqual(
      expect.arrayContaining([expect.stringContaining('"late"')]),
    );
    // With --wait, it writes once the agent has closed the database.
    const waiting = cli(["import", database, file, "--wait", "20000"]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    holder.close();
    expect(await waiting).toEqual({
      status: 0,
      stdout: `Imported 1 negotiation (0 replaced) into ${database}\n`,
      stderr: "",
    });
    const threads = (await exportLines(database)).map((line) => JSON.parse(line).thread_id);
    expect(threads).toEqual(expect.arrayContaining(["held-by-agent", "late"]));
  });
});

describe("verify", () => {
  it("passes a Python-written database: every check listed, exit 0", async () => {
    const database = await fixtureCopy();
    const run = await cli(["verify", database]);
    expect(run).toEqual({
      status: 0,
      stderr: "",
      stdout: [
        `Verifying ${database}`,
        "✓ database   opens (36864 bytes)",
        "✓ integrity  PRAGMA integrity_check: ok",
        "✓ journal    none: the database file holds every save",
        "✓ rows       10 negotiations read back through the schemas",
        "All checks passed.",
        "",
      ].join("\n"),
    });
    const json = JSON.parse((await cli(["verify", "--json", database])).stdout);
    expect(json).toMatchObject({ database, ok: true, problems: 0, warnings: 0 });
    expect(json.checks.map((check: { check: string }) => check.check)).toEqual([
      "database",
      "integrity",
      "journal",
      "rows",
    ]);
  });

  it("passes a journaled database and counts the journal's records", async () => {
    const run = await cli(["verify", await journaledCopy()]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/✓ journal {4}3 records \(sequence \d+ to \d+\), checksums valid/);
    expect(run.stdout).toContain("✓ rows       4 negotiations read back through the schemas");
  });

  it("reports a file that is not a SQLite database, exit 1", async () => {
    const garbage = join(folder, "garbage.db");
    await writeFile(garbage, "this is not a database ".repeat(100));
    const run = await cli(["verify", garbage]);
    expect(run.status).toBe(1);
    expect(lines(run.stdout)).toEqual([
      `Verifying ${garbage}`,
      "✗ database   the SQLite header is missing",
      "✓ journal    none: the database file holds every save",
      "1 problem.",
    ]);
  });

  it("lists each line of a failed integrity_check, and still checks the rows", async () => {
    const database = await fixtureCopy();
    const bytes = await readFile(database);
    // Page 4 is the index on state: one key changed, five rows are missing from it.
    const page = bytes.subarray(3 * 4096, 4 * 4096);
    page[page.indexOf("escalated")] = "E".charCodeAt(0);
    await writeFile(database, bytes);
    const run = await cli(["verify", database]);
    expect(run.status).toBe(1);
    const integrity = lines(run.stdout).filter((line) => line.includes("integrity"));
    expect(integrity).toHaveLength(5);
    for (const line of integrity) {
      expect(line).toMatch(/^✗ integrity {2}row \d+ missing from index idx_neg_state_state$/);
    }
    expect(run.stdout).toContain("✓ rows       10 negotiations read back through the schemas");
    expect(run.stdout).toContain("5 problems.");
  });

  it("reports a missing database, exit 1", async () => {
    const run = await cli(["verify", join(folder, "nothing.db")]);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(
      `✗ database   there is no database at ${join(folder, "nothing.db")}`,
    );
    expect(await readdir(folder)).toEqual([]);
  });

  it("reports a journal damaged before its last record, naming the offset, and checks the file's rows", async () => {
    const database = await journaledCopy();
    const journal = await readFile(`${database}.ns-journal`);
    journal[30] = (journal[30] as number) ^ 0xff; // in the first record's payload
    await writeFile(`${database}.ns-journal`, journal);
    const run = await cli(["verify", database]);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(
      `✗ journal    ${database}.ns-journal: the journal record at offset 0 is damaged`,
    );
    expect(run.stdout).toContain(
      "✓ rows       2 negotiations read back through the schemas (those in the database file: the journal's could not be read)",
    );
    expect(run.stdout).toContain("1 problem.");
  });

  it("reports records out of sequence", async () => {
    const database = await fixtureCopy();
    const entry = (sequence: number) => ({
      sequence,
      statements: [{ sql: "SELECT 1", params: [] }],
    });
    await writeFile(`${database}.ns-journal`, encodeJournalEntries([entry(1), entry(3)]));
    const run = await cli(["verify", database]);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain("has sequence 3 after 1");
  });

  it("reports a journal that does not continue the database file", async () => {
    const database = await journaledCopy();
    const journal = `${database}.ns-journal`;
    const { entries } = decodeJournal(await readFile(journal), journal);
    // The first of the three records is lost: the journal resumes one entry too late.
    await writeFile(journal, encodeJournalEntries(entries.slice(1)));
    const run = await cli(["verify", database]);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(
      /✗ journal {4}.*its journal resumes at entry \d+, but the database holds entries up to \d+/,
    );
  });

  it("warns of a torn last record, which a crash leaves, and passes", async () => {
    const database = await journaledCopy();
    const journal = `${database}.ns-journal`;
    const end = await recordsEnd(journal);
    await writeFile(journal, (await readFile(journal)).subarray(0, end - 7));
    const run = await cli(["verify", database]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/✓ journal {4}2 records/);
    expect(run.stdout).toMatch(
      new RegExp(`! journal {4}${journal}: a torn last record at offset \\d+ \\(\\d+ bytes\\)`),
    );
    expect(run.stdout).toContain("1 warning; the checks passed.");
  });

  it("reports each row that does not read back, by thread and column, and passes the others", async () => {
    const database = await fixtureCopy();
    await setColumn(database, "thread-paused", "campaign_json", '{"campaign_id": "camp-001"}');
    await setColumn(database, "thread-agreed", "cpm_tracker_json", "{broken");
    const run = await cli(["verify", database]);
    expect(run.status).toBe(1);
    const problems = lines(run.stdout).filter((line) => line.startsWith("✗"));
    expect(problems).toEqual([
      expect.stringMatching(
        /^✗ rows {7}negotiation_state\["thread-agreed"\]\.cpm_tracker_json: is text that is not JSON \(.+\)$/,
      ),
      ...["client_name", "budget", "target_deliverables", "cpm_range", "created_at"].map(
        (field) =>
          `✗ rows       negotiation_state["thread-paused"].campaign_json.${field}: is required`,
      ),
    ]);
    const json = JSON.parse((await cli(["verify", "--json", database])).stdout);
    expect(json).toMatchObject({ ok: false, problems: 6, warnings: 0 });
  });

  it("changes no file, in any of these cases", async () => {
    const garbage = join(folder, "garbage.db");
    await writeFile(garbage, "not a database");
    const torn = await journaledCopy("torn.db");
    const end = await recordsEnd(`${torn}.ns-journal`);
    await writeFile(
      `${torn}.ns-journal`,
      (await readFile(`${torn}.ns-journal`)).subarray(0, end - 3),
    );
    const databases = [await fixtureCopy(), await journaledCopy(), garbage, torn];
    const before = await filesIn();
    for (const database of databases) {
      await cli(["verify", database]);
      await cli(["export", database]);
    }
    expect(await filesIn()).toEqual(before);
  });
});

describe("reading while an agent holds the writer lock", () => {
  it("verify and export work, see the agent's acknowledged saves, and change nothing", async () => {
    const database = await journaledCopy();
    const holder = await holders.hold(database);
    const before = await filesIn();
    expect(before.has(`${database}.lock`)).toBe(true);
    const verified = await cli(["verify", database]);
    expect(verified.stdout).toContain("All checks passed.");
    expect(verified.status).toBe(0);
    const exported = await exportLines(database);
    expect(exported.map((line) => JSON.parse(line).thread_id)).toContain("held-by-agent");
    expect(await filesIn()).toEqual(before);
    holder.close();
    await new Promise((resolve) => holder.child.on("exit", resolve));
  });
});

describe("runtimes", () => {
  it("export gives the same lines under Deno and Bun as under Node", async () => {
    for (const database of [await fixtureCopy(), await journaledCopy()]) {
      const node = await cli(["export", database]);
      expect(node.status).toBe(0);
      for (const runtime of ["deno", "bun"] as const) {
        const run = await cli(["export", database], runtime);
        expect({ runtime, ...run }).toEqual({ runtime, ...node });
      }
    }
  });
});
