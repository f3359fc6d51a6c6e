import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CAMPAIGN_HEADERS } from "../../src/cli/commands/stats.js";
import { filePersistence } from "../../src/file.js";
import {
  initNegotiationStateTable,
  openNegotiationStore,
  openSqlJsAdapter,
} from "../../src/index.js";
import { negotiation } from "../support/negotiations.js";
import { runCli } from "./run-cli.js";

let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "negotiation-state-stats-"));
});

afterAll(() => rm(folder, { recursive: true, force: true }));

/** A database holding a negotiation on each of `threads`. */
async function databaseOf(name: string, threads: readonly string[]): Promise<string> {
  const file = join(folder, name);
  if (threads.length === 0) {
    const adapter = await openSqlJsAdapter({ persistence: filePersistence(file) });
    await initNegotiationStateTable(adapter);
    await adapter.close();
    return file;
  }
  const store = await openNegotiationStore({ persistence: filePersistence(file) });
  try {
    for (const thread of threads) await store.save(negotiation(thread));
  } finally {
    await store.close();
  }
  return file;
}

/** The tables of `stats`' output: each a header, a rule and rows, cells split at 2+ spaces. */
function tables(stdout: string): string[][][] {
  return stdout
    .trimEnd()
    .split("\n\n")
    .map((block, index) =>
      block
        .split("\n")
        .slice(index === 0 ? 1 : 0)
        .map((line) => line.split(/ {2,}/)),
    );
}

describe("stats", () => {
  it("counts negotiations in the singular for one, the plural otherwise", async () => {
    const cases: [string[], string][] = [
      [[], "0 negotiations"],
      [["t-1"], "1 negotiation"],
      [["t-1", "t-2"], "2 negotiations"],
    ];
    for (const [index, [threads, line]] of cases.entries()) {
      const { status, stdout, stderr } = await runCli([
        "stats",
        await databaseOf(`stats-${index}.db`, threads),
      ]);
      expect({ status, stderr }).toEqual({ status: 0, stderr: "" });
      expect(stdout.split("\n")[0]).toBe(line);
    }
  });

  it("heads every column, the against-target one too, and fills every cell", async () => {
    const { stdout } = await runCli(["stats", await databaseOf("headers.db", ["t-1", "t-2"])]);
    const [byState, byCampaign] = tables(stdout);
    expect(byState?.[0]).toEqual(["state", "count"]);
    expect(byCampaign?.[0]).toEqual(CAMPAIGN_HEADERS);
    expect(byCampaign?.[0]).toContain("against target");
    for (const table of [byState, byCampaign]) {
      const [header, rule, ...rows] = table ?? [];
      expect(header?.every((cell) => cell !== "")).toBe(true);
      expect(rule).toHaveLength(header?.length ?? -1);
      for (const row of rows) expect(row).toHaveLength(header?.length ?? -1);
    }
    expect(byCampaign?.[2]).toEqual([
      "camp-001",
      "2",
      "1",
      "$25.50",
      "$20.00-$30.00",
      "within",
      "2",
    ]);
  });
});
