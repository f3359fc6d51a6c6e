/**
 * `verify`, `import` and the store judge rows by one rule, the store's row contract: every
 * row of the Python service's database and of crafted bad rows gets the same verdict
 * (which threads fail, and at which columns) from `verify`, from `import` of its exported
 * line, and from `restoreAll`; and what `import` accepts, the store restores and `verify`
 * passes.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqlJsAdapter } from "../../src/adapter/sql-js-adapter.js";
import { runCli } from "../../src/cli/run-cli.js";
import { filePersistence } from "../../src/persistence/file-persistence.js";
import { RestoreError } from "../../src/store/errors.js";
import type { NegotiationStateRow } from "../../src/store/negotiation-state-table.js";
import { openNegotiationStore } from "../../src/store/open-negotiation-store.js";
import { copyOfFixture } from "./support.js";

let folder: string;
let database: string;

/** Each crafted row: a thread, and the columns of a valid row it changes. */
const CRAFTED: readonly [string, Partial<Record<keyof NegotiationStateRow, unknown>>][] = [
  [
    "bad-transition",
    {
      state: "agreed",
      history_json:
        '[["initial_offer","send_offer","awaiting_reply"],["awaiting_reply","accept","agreed"]]',
    },
  ],
  ["bad-state-for-history", { state: "stale" }],
  ["bad-unknown-state", { state: "flying" }],
  [
    "bad-resume-without-pause",
    { state: "counter_sent", history_json: '[["paused","resume","counter_sent"]]' },
  ],
  ["bad-history-entry", { history_json: '[["initial_offer"]]' }],
  ["bad-history-text", { history_json: '[["initial_offer",' }],
  ["bad-round-negative", { round_count: -1 }],
  ["bad-round-text", { round_count: "three" }],
  ["bad-created-at", { created_at: "2026-02-30T00:00:00Z" }],
  ["bad-updated-at", { updated_at: "yesterday" }],
  ["bad-context-text", { context_json: "{not json" }],
  ["bad-context-array", { context_json: "[]" }],
  ["bad-context-deep", { context_json: `{"a":${"[".repeat(1000)}${"]".repeat(1000)}}` }],
  ["bad-campaign-fields", { campaign_json: '{"campaign_id": "camp-001"}' }],
  ["bad-campaign-text", { campaign_json: '{"campaign_id": ' }],
  [
    "bad-tracker-money",
    {
      cpm_tracker_json:
        '{"campaign_id":"camp-001","target_min_cpm":"20","target_max_cpm":30.5,"total_influencers":5,"agreements":[]}',
    },
  ],
  ["bad-tracker-text", { cpm_tracker_json: "{broken" }],
  ["bad-several-columns", { round_count: -2, context_json: "7", updated_at: "soon" }],
  ["", {}],
  [
    "good-exact-values",
    { context_json: '{"order_id": 9223372036854775807, "next_cpm": "25.50", "tags": ["reel"]}' },
  ],
  [
    "good-paused",
    {
      state: "paused",
      history_json:
        '[["initial_offer","send_offer","awaiting_reply"],["awaiting_reply","pause","paused"]]',
    },
  ],
];

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "negotiation-state-agreement-"));
  database = await copyOfFixture(join(folder, "python.db"));
  const store = await openNegotiationStore({ persistence: filePersistence(database) });
  const base = (await store.loadAll()).find((row) => row.thread_id === "thread-awaiting_reply");
  await store.close();
  if (base === undefined) throw new Error("the fixture has no thread-awaiting_reply");
  // Behind the store's back, as another program (or damage) would write them.
  const adapter = await openSqlJsAdapter({ persistence: filePersistence(database) });
  try {
    for (const [threadId, changes] of CRAFTED) {
      const row: Record<string, unknown> = { ...base, thread_id: threadId, ...changes };
      const columns = Object.keys(base);
      await adapter.run(
        `INSERT INTO negotiation_state (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`,
        columns.map((column) => row[column] as string | number),
      );
    }
  } finally {
    await adapter.close();
  }
});

afterAll(() => rm(folder, { recursive: true, force: true }));

/** Runs the command line in this process; its exit status and what it wrote. */
async function cli(args: readonly string[]) {
  let stdout = "";
  let stderr = "";
  const status = await runCli(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
  });
  return { status, stdout, stderr };
}

/** Columns by thread: what each verdict found wrong. */
type Verdict = Map<string, Set<string>>;

function add(verdict: Verdict, threadId: string, field: string): void {
  const column = /^[a-z_]+/.exec(field)?.[0] ?? field;
  const columns = verdict.get(threadId) ?? new Set<string>();
  columns.add(column);
  verdict.set(threadId, columns);
}

/** The store's: `restoreAll` on a read-only store, every failure by thread and column. */
async function storeVerdict(path: string): Promise<{ verdict: Verdict; restored: string[] }> {
  const store = await openNegotiationStore({
    persistence: filePersistence(path, { readOnly: true }),
  });
  const verdict: Verdict = new Map();
  try {
    const restored = await store.restoreAll();
    return { verdict, restored: restored.map((negotiation) => negotiation.threadId) };
  } catch (error) {
    if (!(error instanceof RestoreError)) throw error;
    for (const { threadId, column } of error.failures) add(verdict, threadId, column);
    return { verdict, restored: error.restored.map((each) => each.threadId) };
  } finally {
    await store.close();
  }
}

/** `verify --json`'s: each problem of its rows check names the thread and the field. */
async function verifyVerdict(path: string): Promise<{ verdict: Verdict; ok: boolean }> {
  const run = await cli(["verify", "--json", path]);
  const report = JSON.parse(run.stdout) as {
    ok: boolean;
    checks: { check: string; status: string; message: string }[];
  };
  const verdict: Verdict = new Map();
  for (const { check, status, message } of report.checks) {
    if (check !== "rows" || status !== "problem") continue;
    const where = /^negotiation_state\[("(?:[^"\\]|\\.)*")\]\.(\S+): /.exec(message);
    if (where === null) throw new Error(`verify named no thread and field: ${message}`);
    add(verdict, JSON.parse(where[1] as string), where[2] as string);
  }
  expect(run.status).toBe(report.ok ? 0 : 1);
  return { verdict, ok: report.ok };
}

/** `import`'s, of the exported lines: each refusal names the line (so the thread) and field. */
async function importVerdict(lines: readonly string[]): Promise<Verdict> {
  const file = join(folder, "all.jsonl");
  await writeFile(file, lines.map((line) => `${line}\n`).join(""));
  const run = await cli(["import", join(folder, "refused.db"), file]);
  const verdict: Verdict = new Map();
  for (const report of run.stderr.split("\n")) {
    const refusal = /^line (\d+): ([a-z_]+\S*): /.exec(report);
    if (refusal === null) continue;
    const line = lines[Number(refusal[1]) - 1] as string;
    add(verdict, (JSON.parse(line) as { thread_id: string }).thread_id, refusal[2] as string);
  }
  expect(run.status).toBe(verdict.size > 0 ? 1 : 0);
  return verdict;
}

describe("verify, import and the store", () => {
  it("give every row the same verdict: the same threads refused, at the same columns", async () => {
    const exported = await cli(["export", database]);
    const lines = exported.stdout.split("\n").filter((line) => line !== "");
    expect(lines).toHaveLength(10 + CRAFTED.length);

    const fromStore = await storeVerdict(database);
    const fromVerify = await verifyVerdict(database);
    const fromImport = await importVerdict(lines);

    const badThreads = CRAFTED.map(([threadId]) => threadId).filter(
      (threadId) => !threadId.startsWith("good-"),
    );
    expect([...fromStore.verdict.keys()].sort()).toEqual([...badThreads].sort());
    const sorted = (verdict: Verdict) =>
      [...verdict].map(([threadId, columns]) => [threadId, [...columns].sort()]).sort();
    expect(sorted(fromVerify.verdict)).toEqual(sorted(fromStore.verdict));
    expect(sorted(fromImport)).toEqual(sorted(fromStore.verdict));
    expect(fromStore.verdict.get("bad-several-columns")).toEqual(
      new Set(["round_count", "context_json", "updated_at"]),
    );
    expect(fromVerify.ok).toBe(false);
  });

  it("what import accepts, the store restores whole and verify passes", async () => {
    const exported = await cli(["export", database]);
    const lines = exported.stdout.split("\n").filter((line) => line !== "");
    const { restored } = await storeVerdict(database);
    const accepted = lines.filter((line) =>
      restored.includes((JSON.parse(line) as { thread_id: string }).thread_id),
    );
    expect(accepted).toHaveLength(10 + 2);

    const file = join(folder, "accepted.jsonl");
    await writeFile(file, accepted.map((line) => `${line}\n`).join(""));
    const target = join(folder, "accepted.db");
    const imported = await cli(["import", target, file]);
    expect({ status: imported.status, stderr: imported.stderr }).toEqual({ status: 0, stderr: "" });

    const again = await storeVerdict(target);
    expect(again.verdict.size).toBe(0);
    expect([...again.restored].sort()).toEqual([...restored].sort());
    expect((await verifyVerdict(target)).ok).toBe(true);
    expect((await cli(["export", target])).stdout).toBe(
      accepted.map((line) => `${line}\n`).join(""),
    );
  });
});
