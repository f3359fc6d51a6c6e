import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { displayWidth } from "../../src/cli/display-width.js";
import { runCli as runInProcess } from "../../src/cli/run-cli.js";
import type { OutputStream } from "../../src/cli/terminal.js";
import { CampaignCPMTracker } from "../../src/domain/campaign-cpm-tracker.js";
import { filePersistence } from "../../src/file.js";
import { openNegotiationStore } from "../../src/index.js";
import { campaignInput, negotiation } from "../support/negotiations.js";
import { runCli } from "./run-cli.js";
import { cellStarts, tableRows, threadsOfJson } from "./support.js";

let folder: string;
/** Five negotiations, saved at set times (two at once), with next_cpm amounts to format. */
let database: string;
/** Negotiations whose threads and campaigns are wide characters, emoji, marks and Hangul. */
let unicodeDatabase: string;

/** Each thread's context next_cpm, as the agent wrote it. */
const NEXT_CPM: Record<string, string | number> = {
  "t-1": "34.5",
  "t-10": "44.045",
  "t-2": "44.055",
  "t-3": 30,
  "t-20": "n/a",
};

/** thread, and the time of each save, in the order of the saves. */
const SAVES: [string, string][] = [
  ["t-1", "2026-03-01T09:00:00Z"],
  ["t-20", "2026-03-01T09:00:30Z"],
  ["t-10", "2026-03-01T09:01:00Z"],
  ["t-2", "2026-03-01T09:01:00Z"],
  ["t-3", "2026-03-01T09:02:00Z"],
  // Saved again: updated now, created as before.
  ["t-1", "2026-03-01T09:03:00Z"],
];

const UNICODE_ROWS: [string, string][] = [
  ["<交渉-2026-0001@mail.example.jp>", "キャンペーン-春"],
  ["thread-👍🏽-👨‍👩‍👧-🇯🇵", "camp-001"],
  ["re-e\u0301te\u0301-offer", "한국-캠페인-2026"],
  ["t-1", "camp-ＡＢＣ"],
];

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "negotiation-state-list-"));
  database = join(folder, "negotiations.db");
  let now = "";
  const store = await openNegotiationStore({
    persistence: filePersistence(database),
    clock: () => new Date(now),
  });
  try {
    for (const [thread, time] of SAVES) {
      now = time;
      const input = negotiation(thread);
      await store.save({ ...input, context: { ...input.context, next_cpm: NEXT_CPM[thread] } });
    }
  } finally {
    await store.close();
  }

  unicodeDatabase = join(folder, "unicode.db");
  const unicodeStore = await openNegotiationStore({
    persistence: filePersistence(unicodeDatabase),
  });
  try {
    for (const [thread, campaign] of UNICODE_ROWS) {
      await unicodeStore.save(
        negotiation(thread, ["send_offer"], {
          campaign: campaignInput({ campaign_id: campaign }),
          cpmTracker: new CampaignCPMTracker(campaign, "20", "30", 5),
        }),
      );
    }
  } finally {
    await unicodeStore.close();
  }
});

afterAll(() => rm(folder, { recursive: true, force: true }));

describe("list", () => {
  it("shows money to the cent, rounded half-even, as Python's Decimal formats it with .2f", async () => {
    const { status, stdout, stderr } = await runCli(["list", database]);
    expect({ status, stderr }).toEqual({ status: 0, stderr: "" });
    const listed = JSON.parse((await runCli(["list", "--json", database])).stdout) as {
      thread_id: string;
      max_allowed_cpm: string;
    }[];
    const maxAllowed = listed.map((each) => each.max_allowed_cpm);
    const decimals = [...Object.values(NEXT_CPM).filter((value) => value !== "n/a"), ...maxAllowed];
    const formatted = JSON.parse(
      execFileSync("python3", [
        "-c",
        "import json, sys\nfrom decimal import Decimal\nprint(json.dumps([format(Decimal(v), '.2f') for v in json.loads(sys.argv[1])]))",
        JSON.stringify(decimals.map(String)),
      ]).toString(),
    ) as string[];
    const expected = Object.fromEntries([
      ...decimals.map((value, index) => [String(value), `$${formatted[index]}`]),
      ["n/a", "n/a"],
    ]);
    expect(expected).toMatchObject({
      "34.5": "$34.50",
      "44.045": "$44.04",
      "44.055": "$44.06",
      "30": "$30.00",
      "n/a": "n/a",
    });
    const nextCpmOf = Object.fromEntries(tableRows(stdout).map((cells) => [cells[0], cells[4]]));
    for (const [thread, value] of Object.entries(NEXT_CPM)) {
      expect({ thread, shown: nextCpmOf[thread] }).toEqual({ thread, shown: expected[value] });
    }
    // The tracker's max allowed CPM (exact in --json) to the cent too.
    const maxAllowedOf = Object.fromEntries(tableRows(stdout).map((cells) => [cells[0], cells[5]]));
    expect(maxAllowed.some((value) => !/^\d+\.\d\d$/.test(value))).toBe(true);
    for (const { thread_id: thread, max_allowed_cpm: value } of listed) {
      expect({ thread, shown: maxAllowedOf[thread] }).toEqual({ thread, shown: expected[value] });
    }
  });

  it("lists the most recently updated first, ties by thread in natural order (t-2 before t-10)", async () => {
    const expected = ["t-1", "t-3", "t-2", "t-10", "t-20"];
    const table = await runCli(["list", database]);
    expect(tableRows(table.stdout).map((cells) => cells[0])).toEqual(expected);
    const json = await runCli(["list", "--json", database]);
    expect(threadsOfJson(json.stdout)).toEqual(expected);
    const updated = await runCli(["list", "--sort", "updated", "--json", database]);
    expect(threadsOfJson(updated.stdout)).toEqual(expected);
  });

  it("--sort created lists the most recently created first; --sort thread, by thread in natural order", async () => {
    const created = await runCli(["list", "--sort", "created", "--json", database]);
    expect(threadsOfJson(created.stdout)).toEqual(["t-3", "t-2", "t-10", "t-20", "t-1"]);
    const thread = await runCli(["list", "--sort", "thread", database]);
    expect(tableRows(thread.stdout).map((cells) => cells[0])).toEqual([
      "t-1",
      "t-2",
      "t-3",
      "t-10",
      "t-20",
    ]);
  });

  it("--limit shows the first n in the order asked, and says on stderr how many more there are; --json too", async () => {
    const table = await runCli(["list", "--limit", "2", database]);
    expect(table.status).toBe(0);
    expect(tableRows(table.stdout).map((cells) => cells[0])).toEqual(["t-1", "t-3"]);
    expect(table.stderr).toBe("3 more negotiations not shown (--limit 2)\n");

    const json = await runCli(["list", "-n", "4", "--sort", "thread", "--json", database]);
    expect(JSON.parse(json.stdout).map((each: { thread_id: string }) => each.thread_id)).toEqual([
      "t-1",
      "t-2",
      "t-3",
      "t-10",
    ]);
    expect(json.stderr).toBe("1 more negotiation not shown (--limit 4)\n");

    const all = await runCli(["list", "--limit", "5", database]);
    expect({ rows: tableRows(all.stdout).length, stderr: all.stderr }).toEqual({
      rows: 5,
      stderr: "",
    });
  });

  it("--limit refuses what is not a whole number of 1 or more, as a usage error", async () => {
    for (const value of ["0", "-1", "2.5", "two", ""]) {
      const { status, stdout, stderr } = await runCli(["list", "--limit", value, database]);
      expect({ value, status, stdout }).toEqual({ value, status: 2, stdout: "" });
      expect(stderr).toContain("It must be a whole number, 1 or more.");
      expect(stderr).toContain("usage: negotiation-state list [options] <database>");
    }
  });
});

/** Runs the command line in this process, standard output a terminal `columns` wide. */
async function onTerminal(args: readonly string[], columns: number, env = {}) {
  let stdout = "";
  let stderr = "";
  const terminal: OutputStream = {
    write: (text: string) => (stdout += text),
    isTTY: true,
    columns,
  };
  const status = await runInProcess(args, {
    stdout: terminal,
    stderr: { write: (text: string) => (stderr += text) },
    env,
  });
  return { status, stdout, stderr };
}

/** Where each header starts, and that every row's cells of `columns` start there too. */
function expectAligned(stdout: string, columns: readonly number[]): void {
  const plain = stdout.replaceAll(new RegExp(`${String.fromCharCode(27)}\\[\\d+m`, "g"), "");
  const [header = "", , ...rows] = plain.trimEnd().split("\n");
  const headers = header.split(/ {2,}/);
  const headerStarts = cellStarts(header, headers);
  for (const row of rows) {
    const cells = row.split(/ {2,}/);
    expect(cells).toHaveLength(headers.length);
    const starts = cellStarts(row, cells);
    for (const column of columns) expect(starts[column]).toBe(headerStarts[column]);
  }
  expect(new Set(rows.map(displayWidth)).size).toBe(1);
}

describe("list on a terminal", () => {
  it("lines up threads and campaigns of wide characters, emoji, flags, marks and Hangul, in a pipe written whole", async () => {
    const { status, stdout, stderr } = await runCli(["list", "--sort", "thread", unicodeDatabase]);
    expect({ status, stderr }).toEqual({ status: 0, stderr: "" });
    expectAligned(stdout, [0, 1, 2, 3, 4, 5, 6]);
    expect(stdout).not.toContain("…");
    const rows = tableRows(stdout);
    for (const [thread, campaign] of UNICODE_ROWS) {
      expect(rows).toContainEqual(expect.arrayContaining([thread, campaign]));
    }
  });

  it("fits the terminal's width: threads and campaigns cut with …, the other columns whole and in line", async () => {
    const wide = await onTerminal(["list", unicodeDatabase], 200);
    const natural = Math.max(...wide.stdout.trimEnd().split("\n").map(displayWidth));
    expect(wide.stdout).not.toContain("…");

    const columns = natural - 12;
    const { status, stdout, stderr } = await onTerminal(["list", unicodeDatabase], columns);
    expect({ status, stderr }).toEqual({ status: 0, stderr: "" });
    const lines = stdout.trimEnd().split("\n");
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(columns);
    expect(stdout).toContain("…");
    expectAligned(stdout, [0, 1, 2, 3, 4, 5, 6]);
    // State, round, money and time stay whole.
    for (const cells of tableRows(stdout)) {
      expect(cells.slice(1, 3)).toEqual(["awaiting_reply", "1"]);
      expect(cells[4]).toBe("$25.50");
      expect(cells[5]).toMatch(/^\$\d+\.\d\d$/);
      expect(cells[6]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    }
  });

  it("stays in line with colours on", async () => {
    const { stdout } = await onTerminal(["list", unicodeDatabase], 70);
    expect(stdout).toContain("\u001b[1mthread\u001b[22m");
    for (const line of stdout.trimEnd().split("\n"))
      expect(displayWidth(line)).toBeLessThanOrEqual(70);
    expectAligned(stdout, [0, 1, 2, 3, 4, 5, 6]);
  });

  it("never wraps a line, however narrow the terminal", async () => {
    const { stdout } = await onTerminal(["list", unicodeDatabase], 30);
    const lines = stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(2 + UNICODE_ROWS.length);
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(30);
  });
});
