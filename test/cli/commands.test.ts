import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { appendFile, copyFile, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { LIST_HEADERS } from "../../src/cli/commands/list.js";
import { CAMPAIGN_HEADERS } from "../../src/cli/commands/stats.js";
import { WIRE_FIELDS } from "../../src/cli/wire-format.js";
import { filePersistence } from "../../src/file.js";
import {
  type CpmTrackerDict,
  deserializeCpmTracker,
  formatMoney,
  initNegotiationStateTable,
  type NegotiationStateStore,
  openSqlJsAdapter,
  NegotiationStateStore as Store,
} from "../../src/index.js";
import { decodeJournal } from "../../src/persistence/journal-codec.js";
import type { NegotiationInput } from "../../src/store/negotiation-state-store.js";
import { negotiation, steppingClock } from "../support/negotiations.js";
import { runCli } from "./run-cli.js";
import {
  cells,
  copyWithJournal,
  folderWithFixture,
  LockHolders,
  storeWithJournal,
  threadsOfJson,
  threadsOfTable,
} from "./support.js";

const SAVE_AND_DIE = fileURLToPath(new URL("../support/save-and-die.mjs", import.meta.url));

/** The fixture's negotiations, in the CLI's order: most recently updated first. */
const EVERY_THREAD = [
  "thread-stopped",
  "thread-rejected",
  "thread-agreed",
  "thread-paused",
  "thread-stale",
  "thread-escalated",
  "thread-counter_sent",
  "thread-counter_received",
  "thread-awaiting_reply",
  "thread-initial_offer",
];
/** The unfinished ones, in the same order. */
const UNFINISHED = EVERY_THREAD.slice(3);
/** camp-001's tracker: target max 30 + (30 - 23.75) x 2 agreements / 3 remaining, as Python's decimal gives it. */
const CAMP_001_MAX_ALLOWED = "34.16666666666666666666666667";
const ESC = "\u001b";

let folder: string;
/** A copy of the Python service's database; no test changes it. */
let pythonDb: string;

beforeAll(async () => {
  ({ folder, pythonDb } = await folderWithFixture("negotiation-state-cli-"));
});

afterAll(() => rm(folder, { recursive: true, force: true }));

/** A new empty folder for one test. */
async function newFolder(name: string): Promise<string> {
  const path = join(folder, name);
  await mkdir(path);
  return path;
}

/** Every file of a folder, by name, as a hash of its bytes. */
async function filesIn(path: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const name of (await readdir(path)).sort()) {
    files[name] = createHash("sha256")
      .update(await readFile(join(path, name)))
      .digest("hex");
  }
  return files;
}

interface WireRow {
  readonly thread_id: string;
  readonly state: string;
  readonly round_count: number;
  readonly context_json: Record<string, unknown>;
  readonly campaign_json: Record<string, unknown>;
  readonly cpm_tracker_json: CpmTrackerDict;
  readonly history_json: string[][];
  readonly created_at: string;
  readonly updated_at: string;
}

/** Every row of a database file as Python's sqlite3 reads it, JSON columns parsed. */
function pythonRows(file: string): Record<string, WireRow> {
  const script = `
import json, sqlite3, sys
connection = sqlite3.connect(sys.argv[1])
connection.row_factory = sqlite3.Row
rows = {}
for row in connection.execute("SELECT * FROM negotiation_state"):
    row = dict(row)
    for column in ("context_json", "campaign_json", "cpm_tracker_json", "history_json"):
        row[column] = json.loads(row[column])
    rows[row["thread_id"]] = row
assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
print(json.dumps(rows))
`;
  return JSON.parse(execFileSync("python3", ["-c", script, file]).toString());
}

describe("on the Python service's database", () => {
  it("list shows the unfinished negotiations as a table: thread, state, round, campaign, next and max allowed CPM, update", async () => {
    const { status, stdout, stderr } = await runCli(["list", pythonDb]);
    expect({ status, stderr }).toEqual({ status: 0, stderr: "" });
    const lines = stdout.trimEnd().split("\n");
    expect(cells(lines[0] as string)).toEqual(LIST_HEADERS);
    expect(lines[1]).toMatch(/^-+( {2}-+){6}$/);
    expect(threadsOfTable(stdout)).toEqual(UNFINISHED);
    const row = (thread: string) => cells(lines[2 + UNFINISHED.indexOf(thread)] as string);
    expect(row("thread-counter_received")).toEqual([
      "thread-counter_received",
      "counter_received",
      "1",
      "camp-001",
      "$25.50",
      "$34.17",
      "2026-02-19T18:22:00Z",
    ]);
    expect(row("thread-awaiting_reply")).toEqual([
      "thread-awaiting_reply",
      "awaiting_reply",
      "0",
      "camp-002",
      "$25.50",
      "$27.25",
      "2026-02-19T18:21:00Z",
    ]);
  });

  it("list --json gives each negotiation's fields, max allowed CPM exact, as Python reads the rows", async () => {
    const { status, stdout, stderr } = await runCli(["list", "--json", pythonDb]);
    expect({ status, stderr }).toEqual({ status: 0, stderr: "" });
    const listed = JSON.parse(stdout) as Record<string, unknown>[];
    const rows = pythonRows(pythonDb);
    expect(listed.map((each) => each.thread_id)).toEqual(UNFINISHED);
    for (const each of listed) {
      const row = rows[each.thread_id as string] as WireRow;
      expect(Object.keys(each)).toEqual([
        "thread_id",
        "state",
        "round_count",
        "campaign_id",
        "next_cpm",
        "max_allowed_cpm",
        "updated_at",
      ]);
      expect(each).toEqual({
        thread_id: row.thread_id,
        state: row.state,
        round_count: row.round_count,
        campaign_id: row.campaign_json.campaign_id,
        // As written in the context, trailing zero included.
        next_cpm: "25.50",
        max_allowed_cpm:
          row.campaign_json.campaign_id === "camp-001" ? CAMP_001_MAX_ALLOWED : "27.25",
        updated_at: row.updated_at,
      });
      // The same figure the library's tracker gives for that row (no engagement data).
      const tracker = deserializeCpmTracker(row.cpm_tracker_json);
      expect(each.max_allowed_cpm).toBe(formatMoney(tracker.getFlexibility(null).maxAllowedCpm));
    }
  });

  it("list --all adds the finished negotiations", async () => {
    const { status, stdout } = await runCli(["list", "--all", "--json", pythonDb]);
    expect(status).toBe(0);
    expect(threadsOfJson(stdout)).toEqual(EVERY_THREAD);
    const table = await runCli(["list", "-a", pythonDb]);
    expect(threadsOfTable(table.stdout)).toEqual(EVERY_THREAD);
  });

  it("list --state takes several states, finished ones too, with the database before them or after --", async () => {
    for (const args of [
      [pythonDb, "--state", "agreed", "stale"],
      ["--state", "agreed", "stale", "--", pythonDb],
      [pythonDb, "-s", "stale", "-s", "agreed"],
    ]) {
      const { status, stdout, stderr } = await runCli(["list", "--json", ...args]);
      expect({ status, stderr, threads: threadsOfJson(stdout) }).toEqual({
        status: 0,
        stderr: "",
        threads: ["thread-agreed", "thread-stale"],
      });
    }
  });

  it("list --state refuses what is not a state, saying where the database goes", async () => {
    const swallowed = await runCli(["list", "--state", "agreed", pythonDb]);
    expect(swallowed.status).toBe(2);
    expect(swallowed.stdout).toBe("");
    expect(swallowed.stderr).toContain(`argument '${pythonDb}' is invalid`);
    expect(swallowed.stderr).toContain("Put <database> before --state, or end the states with --");
    const typo = await runCli(["list", pythonDb, "--state", "agred"]);
    expect(typo.status).toBe(2);
    expect(typo.stderr).toContain("argument 'agred' is invalid");
  });

  it("list --campaign keeps one campaign's negotiations; none match is not an error", async () => {
    const unfinished = await runCli(["list", "--json", "--campaign", "camp-002", pythonDb]);
    expect(threadsOfJson(unfinished.stdout)).toEqual([
      "thread-stale",
      "thread-counter_sent",
      "thread-awaiting_reply",
    ]);
    const all = await runCli(["list", "-a", "-c", "camp-002", "--json", pythonDb]);
    expect(threadsOfJson(all.stdout)).toEqual([
      "thread-stopped",
      "thread-agreed",
      "thread-stale",
      "thread-counter_sent",
      "thread-awaiting_reply",
    ]);
    const none = await runCli(["list", "--campaign", "camp-404", pythonDb]);
    expect(none).toEqual({ status: 0, stdout: "No negotiations match.\n", stderr: "" });
    const noneJson = await runCli(["list", "--json", "--campaign", "camp-404", pythonDb]);
    expect(JSON.parse(noneJson.stdout)).toEqual([]);
  });

  it("show prints the whole negotiation: state, pause, round, times, what the tracker allows, context, campaign, tracker", async () => {
    const { status, stdout, stderr } = await runCli(["show", pythonDb, "thread-paused"]);
    expect({ status, stderr }).toEqual({ status: 0, stderr: "" });
    const lines = stdout.split("\n");
    const field = (name: string) =>
      lines.find((line) => line.startsWith(`${name} `))?.slice(16) ?? `(no ${name} line)`;
    expect(field("thread")).toBe("thread-paused");
    expect(field("state")).toBe("paused");
    expect(field("paused from")).toBe("counter_sent");
    expect(field("round")).toBe("2");
    expect(field("created")).toBe("2026-02-19T18:16:12Z");
    expect(field("updated")).toBe("2026-02-19T18:26:00Z");
    expect(field("transitions")).toBe("4 (see history)");
    expect(field("engagement")).toBe("-");
    expect(field("max allowed CPM")).toBe(
      "$34.17 budget savings: +$4.17; no engagement data; max allowed: $34.17",
    );
    for (const section of ["context", "campaign", "cpm tracker"]) expect(lines).toContain(section);
    expect(stdout).toContain('"thread_subject": "Re: Collab — \\"Spring\\" launch"');
    expect(stdout).toContain('"name": "Zoë Ñandú 🌸"');
    expect(stdout).toContain('"campaign_manager": "Dana Ruiz"');
  });

  it("show --json prints the row in the wire format: column names, JSON columns parsed, as Python reads them", async () => {
    const rows = pythonRows(pythonDb);
    await Promise.all(
      EVERY_THREAD.map(async (thread) => {
        const { status, stdout, stderr } = await runCli(["show", "--json", pythonDb, thread]);
        expect({ status, stderr }).toEqual({ status: 0, stderr: "" });
        const shown = JSON.parse(stdout) as WireRow;
        expect(Object.keys(shown)).toEqual(WIRE_FIELDS);
        expect(shown).toEqual(rows[thread]);
      }),
    );
    // The row as stored: Python's trailing zeros are still there.
    const agreed = JSON.parse((await runCli(["show", "--json", pythonDb, "thread-agreed"])).stdout);
    expect(agreed.campaign_json.budget).toBe("5000.00");
    expect(agreed.cpm_tracker_json.target_min_cpm).toBe("18.50");
  });

  it("history prints the transitions as a timeline, in order", async () => {
    const { status, stdout, stderr } = await runCli(["history", pythonDb, "thread-paused"]);
    expect({ status, stderr }).toEqual({ status: 0, stderr: "" });
    const lines = stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("thread-paused created 2026-02-19T18:16:12Z");
    expect(cells(lines[1] as string)).toEqual(["#", "from", "event", "to"]);
    expect(lines.slice(3, -1).map(cells)).toEqual([
      ["1", "initial_offer", "--send_offer-->", "awaiting_reply"],
      ["2", "awaiting_reply", "--receive_reply-->", "counter_received"],
      ["3", "counter_received", "--send_counter-->", "counter_sent"],
      ["4", "counter_sent", "--pause-->", "paused"],
    ]);
    expect(lines.at(-1)).toBe("now paused, round 2, updated 2026-02-19T18:26:00Z");

    const none = await runCli(["history", pythonDb, "thread-initial_offer"]);
    expect(none.stdout.split("\n")).toContain("no transitions yet: initial_offer");
  });

  it("history --json prints [from, event, to] triples, as Python reads them", async () => {
    const rows = pythonRows(pythonDb);
    await Promise.all(
      ["thread-paused", "thread-stopped", "thread-initial_offer"].map(async (thread) => {
        const { status, stdout } = await runCli(["history", "--json", pythonDb, thread]);
        expect(status).toBe(0);
        expect(JSON.parse(stdout)).toEqual(rows[thread]?.history_json);
      }),
    );
  });

  it("stats counts by state and gives each campaign's agreements, average CPM against the target, and what remains", async () => {
    const { status, stdout, stderr } = await runCli(["stats", pythonDb]);
    expect({ status, stderr }).toEqual({ status: 0, stderr: "" });
    const lines = stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("10 negotiations");
    expect(cells(lines[1] as string)).toEqual(["state", "count"]);
    expect(lines[2]).toMatch(/^-+ {2}-+$/);
    const stateRows = lines.slice(3, 13).map(cells);
    expect(stateRows.map(([state]) => state).sort()).toEqual(
      EVERY_THREAD.map((thread) => thread.slice("thread-".length)).sort(),
    );
    expect(stateRows.every(([, count]) => count === "1")).toBe(true);
    expect(cells(lines.at(-4) as string)).toEqual(CAMPAIGN_HEADERS);
    expect(cells(lines.at(-3) as string)).toHaveLength(CAMPAIGN_HEADERS.length);
    const campaigns = lines.slice(-2).map(cells);
    expect(campaigns).toEqual([
      ["camp-002", "5", "0", "-", "$18.50-$27.25", "-", "3"],
      ["camp-001", "5", "2", "$23.75", "$20.00-$30.00", "within", "4"],
    ]);
  });

  it("stats --json gives the same figures, exact", async () => {
    const { status, stdout } = await runCli(["stats", "--json", pythonDb]);
    expect(status).toBe(0);
    const byState = Object.fromEntries(
      EVERY_THREAD.map((thread) => [thread.slice("thread-".length), 1]),
    );
    expect(JSON.parse(stdout)).toEqual({
      by_state: byState,
      campaigns: [
        {
          campaign_id: "camp-002",
          negotiations: 5,
          remaining: 3,
          agreements: 0,
          average_agreed_cpm: null,
          target_min_cpm: "18.5",
          target_max_cpm: "27.25",
          against_target: null,
        },
        {
          campaign_id: "camp-001",
          negotiations: 5,
          remaining: 4,
          agreements: 2,
          average_agreed_cpm: "23.75",
          target_min_cpm: "20",
          target_max_cpm: "30",
          against_target: "within",
        },
      ],
    });
  });

  it("show and history of an unknown thread exit 1 with a message naming it", async () => {
    for (const command of ["show", "history"]) {
      const { status, stdout, stderr } = await runCli([command, pythonDb, "thread-nobody"]);
      expect({ status, stdout }).toEqual({ status: 1, stdout: "" });
      expect(stderr).toBe(
        `error: There is no negotiation on thread "thread-nobody" in ${pythonDb}\n`,
      );
    }
  });

  it("a database that is not there exits 1, naming it, and creates nothing", async () => {
    const empty = await newFolder("nothing-here");
    const missing = join(empty, "missing.db");
    for (const args of [
      ["list", missing],
      ["show", missing, "t"],
      ["stats", missing],
    ]) {
      const { status, stderr } = await runCli(args);
      expect(status).toBe(1);
      expect(stderr).toBe(`error: Cannot read ${missing}: there is no database there\n`);
    }
    expect(await readdir(empty)).toEqual([]);
  });

  it("a usage error (unknown command or option, missing argument, bad option value) exits 2 with the error, the command's usage line and a hint, not the whole help", async () => {
    const listUsage = [
      "usage: negotiation-state list [options] <database>",
      "Run 'negotiation-state list --help' for the options.",
    ];
    const cases: [string[], string, string[]][] = [
      [
        ["frobnicate"],
        "error: unknown command 'frobnicate'",
        [
          "usage: negotiation-state [options] [command]",
          "Run 'negotiation-state --help' for the commands and options.",
        ],
      ],
      [
        ["show", pythonDb],
        "error: missing required argument 'thread'",
        [
          "usage: negotiation-state show [options] <database> <thread>",
          "Run 'negotiation-state show --help' for the options.",
        ],
      ],
      [["list"], "error: missing required argument 'database'", listUsage],
      [["list", "--bogus", pythonDb], "error: unknown option '--bogus'", listUsage],
      [
        ["list", "--limit", "0", pythonDb],
        "error: option '-n, --limit <n>' argument '0' is invalid. It must be a whole number, 1 or more.",
        listUsage,
      ],
      [
        ["list", "--sort", "newest", pythonDb],
        "error: option '--sort <order>' argument 'newest' is invalid. Allowed choices are updated, created, thread.",
        listUsage,
      ],
      [
        ["checkpoint", "--wait", "soon", pythonDb],
        "error: option '-w, --wait <ms>' argument 'soon' is invalid. It must be a whole number of milliseconds.",
        [
          "usage: negotiation-state checkpoint [options] <database>",
          "Run 'negotiation-state checkpoint --help' for the options.",
        ],
      ],
    ];
    for (const [args, error, usage] of cases) {
      const { status, stdout, stderr } = await runCli(args);
      expect({ args, status, stdout, stderr }).toEqual({
        args,
        status: 2,
        stdout: "",
        stderr: `${[error, ...usage].join("\n")}\n`,
      });
    }
  });
});

describe("a journaled file", () => {
  let store: NegotiationStateStore | undefined;

  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  it("list sees the saves only in the journal of a writer open in another process, takes no lock and changes no file", async () => {
    const dir = await newFolder("open-writer");
    const file = join(dir, "negotiations.db");
    // Reopened: the last three saves are acknowledged, in the journal, and not in the .db file.
    store = await storeWithJournal(
      file,
      [negotiation("thread-a"), negotiation("thread-b", ["send_offer", "receive_reply"])],
      [
        negotiation("thread-a", ["send_offer", "receive_reply", "send_counter"]),
        negotiation("thread-c", ["send_offer", "receive_reply", "accept"]),
        negotiation("thread-d", ["send_offer", "timeout"]),
      ],
      steppingClock("2026-03-01T09:00:00Z", 60),
    );
    const inDbFileAlone = pythonRows(file);
    expect(Object.keys(inDbFileAlone).sort()).toEqual(["thread-a", "thread-b"]);
    expect(inDbFileAlone["thread-a"]?.state).toBe("awaiting_reply");
    const before = await filesIn(dir);
    expect(Object.keys(before)).toEqual([
      "negotiations.db",
      "negotiations.db.lock",
      "negotiations.db.ns-journal",
    ]);

    const all = await runCli(["list", "--all", "--json", file]);
    expect(all.stderr).toBe("");
    expect(all.status).toBe(0);
    expect(
      (JSON.parse(all.stdout) as { thread_id: string; state: string; updated_at: string }[]).map(
        ({ thread_id, state, updated_at }) => [thread_id, state, updated_at],
      ),
    ).toEqual([
      ["thread-d", "stale", "2026-03-01T09:04:00Z"],
      ["thread-c", "agreed", "2026-03-01T09:03:00Z"],
      ["thread-a", "counter_sent", "2026-03-01T09:02:00Z"],
      ["thread-b", "counter_received", "2026-03-01T09:01:00Z"],
    ]);
    const unfinished = await runCli(["list", file]);
    expect(threadsOfTable(unfinished.stdout)).toEqual(["thread-d", "thread-a", "thread-b"]);
    const history = await runCli(["history", "--json", file, "thread-a"]);
    expect(JSON.parse(history.stdout)).toHaveLength(3);
    expect(await filesIn(dir)).toEqual(before);
    // The lock is still this process's: the writer goes on saving, and a reader sees it.
    expect(JSON.parse(await readFile(`${file}.lock`, "utf8")).pid).toBe(process.pid);
    await store.save(negotiation("thread-e"));
    const again = await runCli(["list", "--json", file]);
    expect(threadsOfJson(again.stdout)).toEqual(["thread-e", "thread-d", "thread-a", "thread-b"]);
  });

  it("list reads every acknowledged save of a killed writer, leaving its stale lock and journal as they are", async () => {
    const dir = await newFolder("killed-writer");
    const file = join(dir, "negotiations.db");
    const { stdout } = await promisify(execFile)(process.execPath, [
      SAVE_AND_DIE,
      file,
      "6",
      "kill",
    ]).catch((error: { stdout: string }) => error);
    expect(stdout.trim().split("\n")).toHaveLength(6);
    const before = await filesIn(dir);
    expect(Object.keys(before)).toEqual(["negotiations.db.lock", "negotiations.db.ns-journal"]);

    const { status, stdout: listed, stderr } = await runCli(["list", "--json", file]);
    expect({ status, stderr }).toEqual({ status: 0, stderr: "" });
    expect(
      (JSON.parse(listed) as { thread_id: string; state: string; round_count: number }[])
        .map(({ thread_id, state, round_count }) => [thread_id, state, round_count])
        .sort(),
    ).toEqual(
      [0, 1, 2, 3, 4, 5].map((index) => [
        `thread-${index}`,
        index % 2 === 1 ? "counter_received" : "awaiting_reply",
        index,
      ]),
    );
    expect(await filesIn(dir)).toEqual(before);
  });
});

describe("checkpoint", () => {
  const holders = new LockHolders();

  afterEach(() => holders.killAll());

  /**
   * What a crash (a power cut) leaves of a writer: a database file of one save, and a
   * journal of `journaled`, copied without a clean close.
   */
  async function crashedCopy(
    name: string,
    journaled: readonly NegotiationInput[] = [
      negotiation("thread-1", ["send_offer", "receive_reply"]),
      negotiation("thread-2"),
      negotiation("thread-3"),
    ],
  ): Promise<string> {
    const live = join(await newFolder(`${name}-source`), "negotiations.db");
    const file = join(await newFolder(name), "negotiations.db");
    const store = await storeWithJournal(live, [negotiation("thread-1")], journaled);
    try {
      await copyWithJournal(live, file);
    } finally {
      await store.close();
    }
    return file;
  }

  it("folds the journal of a crashed writer into the database file, which Python then reads whole", async () => {
    const file = await crashedCopy("crash", [
      negotiation("thread-1", ["send_offer", "receive_reply"]),
      negotiation("thread-2", ["send_offer", "receive_reply", "accept"]),
      negotiation("thread-3"),
    ]);
    const crashed = dirname(file);
    expect(Object.keys(pythonRows(file))).toEqual(["thread-1"]);
    const records = decodeJournal(await readFile(`${file}.ns-journal`), file).entries.length;
    expect(records).toBeGreaterThanOrEqual(3);

    const { status, stdout, stderr } = await runCli(["checkpoint", file]);
    expect({ status, stderr }).toEqual({ status: 0, stderr: "" });
    expect(stdout).toBe(
      `Checkpointed ${file}: folded the journal's ${records} records into the database file. The database file holds every save, and the journal is gone.\n`,
    );
    expect(await readdir(crashed)).toEqual(["negotiations.db"]);
    const rows = pythonRows(file);
    expect(
      Object.values(rows)
        .map((row) => [row.thread_id, row.state])
        .sort(),
    ).toEqual([
      ["thread-1", "counter_received"],
      ["thread-2", "agreed"],
      ["thread-3", "awaiting_reply"],
    ]);
    expect(rows["thread-2"]?.context_json).toEqual(negotiation("thread-2").context);
  });

  it("is refused while another process holds the lock, naming it, and changes nothing", async () => {
    const dir = await newFolder("held");
    const file = join(dir, "negotiations.db");
    const holder = await holders.hold(file, ["thread-held"]);
    const before = await filesIn(dir);

    const { status, stdout, stderr } = await runCli(["checkpoint", file]);
    expect({ status, stdout }).toEqual({ status: 1, stdout: "" });
    expect(stderr).toBe(
      `error: Database ${file} is locked: held by process ${holder.child.pid} on ${hostname()}\n`,
    );
    expect(await filesIn(dir)).toEqual(before);
  });

  it("--wait takes the lock when its holder closes in time", async () => {
    const dir = await newFolder("held-then-closed");
    const file = join(dir, "negotiations.db");
    const holder = await holders.hold(file, ["thread-held"]);

    let settled = false;
    const checkpoint = runCli(["checkpoint", "--wait", "15000", file]).finally(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(settled).toBe(false);
    holder.close();
    expect(await holder.nextLine()).toBe("closed");
    const { status, stdout, stderr } = await checkpoint;
    expect({ status, stderr }).toEqual({ status: 0, stderr: "" });
    // The holder folded its journal as it closed: what the lock then gives is a clean file.
    expect(stdout).toBe(
      `Nothing to checkpoint: ${file} has no journal; the database file already holds every save.\n`,
    );
    expect(await readdir(dir)).toEqual(["negotiations.db"]);
    expect(Object.keys(pythonRows(file))).toEqual(["thread-held"]);
  });

  const records = async (journal: string) =>
    decodeJournal(await readFile(journal), journal).entries.length;

  it("of a clean file says there is nothing to checkpoint, and changes nothing", async () => {
    const dir = await newFolder("clean");
    const file = join(dir, "negotiations.db");
    await copyFile(pythonDb, file);
    const before = await filesIn(dir);
    const { status, stdout, stderr } = await runCli(["checkpoint", file]);
    expect({ status, stdout, stderr }).toEqual({
      status: 0,
      stdout: `Nothing to checkpoint: ${file} has no journal; the database file already holds every save.\n`,
      stderr: "",
    });
    expect(await filesIn(dir)).toEqual(before);
  });

  it("of a writer killed before its first checkpoint writes a new database file from the journal", async () => {
    const dir = await newFolder("journal-only");
    const file = join(dir, "negotiations.db");
    await promisify(execFile)(process.execPath, [SAVE_AND_DIE, file, "4", "kill"]).catch(
      () => undefined,
    );
    expect((await readdir(dir)).sort()).toEqual([
      "negotiations.db.lock",
      "negotiations.db.ns-journal",
    ]);
    const count = await records(`${file}.ns-journal`);
    expect(count).toBeGreaterThanOrEqual(4);
    const { status, stdout, stderr } = await runCli(["checkpoint", file]);
    expect({ status, stderr }).toEqual({ status: 0, stderr: "" });
    expect(stdout).toBe(
      `Checkpointed ${file}: folded the journal's ${count} records into a new database file. The database file holds every save, and the journal is gone.\n`,
    );
    expect(await readdir(dir)).toEqual(["negotiations.db"]);
    expect(Object.keys(pythonRows(file)).sort()).toEqual([
      "thread-0",
      "thread-1",
      "thread-2",
      "thread-3",
    ]);
  });

  it("says it dropped a torn last record, which a crash mid-save leaves", async () => {
    const file = await crashedCopy("torn");
    const count = await records(`${file}.ns-journal`);
    await appendFile(`${file}.ns-journal`, Uint8Array.from([0x4e, 0x53, 0x4a, 1, 2, 3, 4, 5]));
    const { status, stdout, stderr } = await runCli(["checkpoint", file]);
    expect({ status, stderr }).toEqual({ status: 0, stderr: "" });
    expect(stdout).toBe(
      `Checkpointed ${file}: folded the journal's ${count} records into the database file; dropped its torn last record, which was never acknowledged. The database file holds every save, and the journal is gone.\n`,
    );
    expect(Object.keys(pythonRows(file)).sort()).toEqual(["thread-1", "thread-2", "thread-3"]);
  });

  it("says it removed an empty journal, which a writer leaves when killed before its first save", async () => {
    const dir = await newFolder("empty-journal");
    const file = join(dir, "negotiations.db");
    await copyFile(pythonDb, file);
    await writeFile(`${file}.ns-journal`, "");
    const database = await readFile(file);
    const { status, stdout, stderr } = await runCli(["checkpoint", file]);
    expect({ status, stdout, stderr }).toEqual({
      status: 0,
      stdout: `Checkpointed ${file}: removed the journal, which was empty. The database file holds every save, and the journal is gone.\n`,
      stderr: "",
    });
    expect(await readdir(dir)).toEqual(["negotiations.db"]);
    expect(await readFile(file)).toEqual(database);
  });

  it("--take-over-wal says how many committed frames of the Python service's WAL it took over", async () => {
    const dir = await newFolder("wal");
    const file = join(dir, "negotiations.db");
    // The Python service, stopped while it had the file open in WAL mode: its copy.
    const frames = execFileSync("python3", [
      "-c",
      `
import shutil, sqlite3, struct, sys
source, copy = sys.argv[1], sys.argv[2]
live = source + ".live"
shutil.copy(source, live)
connection = sqlite3.connect(live)
connection.execute("PRAGMA journal_mode=WAL")
connection.execute("PRAGMA wal_autocheckpoint=0")
connection.execute("UPDATE negotiation_state SET round_count = round_count + 10 WHERE thread_id = 'thread-stale'")
connection.commit()
connection.execute("UPDATE negotiation_state SET round_count = round_count + 20 WHERE thread_id = 'thread-agreed'")
connection.commit()
shutil.copy(live, copy)
shutil.copy(live + "-wal", copy + "-wal")
wal = open(copy + "-wal", "rb").read()
page_size = struct.unpack(">I", wal[8:12])[0]
print((len(wal) - 32) // (24 + page_size))
connection.close()
`,
      pythonDb,
      file,
    ])
      .toString()
      .trim();
    expect(Number(frames)).toBeGreaterThan(1);
    const { status, stdout, stderr } = await runCli(["checkpoint", "--take-over-wal", file]);
    expect({ status, stderr }).toEqual({ status: 0, stderr: "" });
    expect(stdout).toBe(
      `Checkpointed ${file}: took over the ${frames} committed frames of ${file}-wal. The database file holds every save.\n`,
    );
    const rows = pythonRows(file);
    expect([rows["thread-stale"]?.round_count, rows["thread-agreed"]?.round_count]).toEqual([
      11, 21,
    ]);
  });

  it("of a database that is not there exits 1 and creates nothing; a bad --wait exits 2", async () => {
    const empty = await newFolder("checkpoint-nothing");
    const missing = join(empty, "typo", "negotiations.db");
    const { status, stderr } = await runCli(["checkpoint", missing]);
    expect(status).toBe(1);
    expect(stderr).toBe(`error: Cannot checkpoint ${missing}: there is no database there\n`);
    expect(await readdir(empty)).toEqual([]);

    const badWait = await runCli(["checkpoint", "--wait", "soon", missing]);
    expect(badWait.status).toBe(2);
    expect(badWait.stderr).toContain("argument 'soon' is invalid");
  });
});

describe("a database with a bad row", () => {
  let file: string;

  beforeAll(async () => {
    const dir = await newFolder("bad-row");
    file = join(dir, "negotiations.db");
    const adapter = await openSqlJsAdapter({ persistence: filePersistence(file) });
    try {
      await initNegotiationStateTable(adapter);
      const store = new Store(adapter, {
        clock: steppingClock("2026-03-02T10:00:00Z", 60),
      });
      await store.save(negotiation("thread-good"));
      await store.save(negotiation("thread-done", ["send_offer", "receive_reply", "reject"]));
      // A thread id with a terminal escape in it: shown, never obeyed.
      await store.save(negotiation("thread-\u001b[2J-escape"));
      await adapter.run(
        `INSERT INTO negotiation_state (thread_id, state, round_count, context_json, campaign_json,
           cpm_tracker_json, history_json, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          "thread-broken",
          "awaiting_reply",
          1,
          "{}",
          '{"campaign_id": "camp-001", "client_name": ',
          JSON.stringify({
            campaign_id: "camp-001",
            target_min_cpm: "20",
            target_max_cpm: "30",
            total_influencers: 5,
            agreements: [],
          }),
          '[["initial_offer","send_offer","awaiting_reply"]]',
          "2026-03-02T09:00:00Z",
          "2026-03-02T09:00:00Z",
        ],
      );
    } finally {
      await adapter.close();
    }
  });

  it("list --all lists the others, reports the bad row on stderr naming thread and column, and exits 1", async () => {
    const { status, stdout, stderr } = await runCli(["list", "--all", file]);
    expect(status).toBe(1);
    expect(threadsOfTable(stdout)).toEqual([
      "thread-\\u001b[2J-escape",
      "thread-done",
      "thread-good",
    ]);
    expect(stdout).not.toContain(ESC);
    const problems = stderr.trimEnd().split("\n");
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^skipped: .*negotiation_state\["thread-broken"\]\.campaign_json/);

    const json = await runCli(["list", "--all", "--json", file]);
    expect(json.status).toBe(1);
    expect(json.stderr).toBe(stderr);
    expect(threadsOfJson(json.stdout)).toEqual([
      "thread-\u001b[2J-escape",
      "thread-done",
      "thread-good",
    ]);
  });

  it("show of another thread is not disturbed by it; show of the bad one names its column", async () => {
    const good = await runCli(["show", file, "thread-good"]);
    expect({ status: good.status, stderr: good.stderr }).toEqual({ status: 0, stderr: "" });
    const bad = await runCli(["show", file, "thread-broken"]);
    expect({ status: bad.status, stdout: bad.stdout }).toEqual({ status: 1, stdout: "" });
    expect(bad.stderr).toMatch(/^error: .*negotiation_state\["thread-broken"\]\.campaign_json/);
  });

  it("stats counts the readable rows and exits 1", async () => {
    const { status, stdout, stderr } = await runCli(["stats", "--json", file]);
    expect(status).toBe(1);
    expect(stderr).toContain("thread-broken");
    expect(JSON.parse(stdout).by_state).toEqual({ awaiting_reply: 2, rejected: 1 });
  });
});

describe("under Deno and Bun", () => {
  // Deno with the permissions the README gives a reader: --allow-read --allow-write only.
  it("list --json, stats, an error, a usage error and --version print what they print under Node; --help exits 0", async () => {
    const runs = [
      ["list", "--all", "--json", pythonDb],
      ["stats", "--json", pythonDb],
      ["show", pythonDb, "thread-nobody"],
      ["frobnicate"],
      ["--version"],
    ];
    const node = await Promise.all(runs.map((args) => runCli(args)));
    expect(node.map(({ status }) => status)).toEqual([0, 0, 1, 2, 0]);
    for (const runtime of ["deno", "bun"] as const) {
      const other = await Promise.all(runs.map((args) => runCli(args, { runtime })));
      expect({ runtime, results: other }).toEqual({ runtime, results: node });
      // Commander lays the help out; that it runs in this runtime is ours (no environment read).
      const help = await runCli(["--help"], { runtime });
      expect({ runtime, status: help.status, stderr: help.stderr }).toEqual({
        runtime,
        status: 0,
        stderr: "",
      });
    }
  }, 20_000);
});
