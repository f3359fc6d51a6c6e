/**
 * Power loss, as a model (DESIGN §6 "Durability"): the file-system calls of six workloads
 * are recorded, and at crash points throughout them the states a disk that honours fsync
 * allows are built (unsynced writes dropped, cut, or landed by 512-byte sector or 4 KiB page
 * in any subset; folder entries changed since the folder's last sync there or not), written
 * out, and reopened by a writer. Each must hold every save acknowledged before the crash
 * with its exact values, nothing never saved, no transaction half-applied; no open may be
 * refused. A mutation that drops the journal's data sync must be caught.
 *
 * `CRASH_STATES=<n>` sets how many distinct states are reopened in all (default 300);
 * `npm run crash-states` runs 12,000.
 */
import { rm } from "node:fs/promises";
import process from "node:process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CRASH_WORKLOADS,
  type CrashSummary,
  checkCrashStates,
  crashRoot,
  recordWorkload,
  summaryLine,
  withoutJournalDataSync,
} from "./crash-states-workloads.js";

const TOTAL_STATES = Number(process.env.CRASH_STATES ?? 300);
const PER_WORKLOAD = Math.max(1, Math.ceil(TOTAL_STATES / CRASH_WORKLOADS.length));
/** Up to about 150 ms a distinct state on a loaded machine (most states built are not new), with room. */
const TIMEOUT_MS = Math.max(60_000, PER_WORKLOAD * 500);

let root: string;

beforeAll(async () => {
  root = await crashRoot();
});

afterAll(() => rm(root, { recursive: true, force: true }));

const summaries: CrashSummary[] = [];

afterAll(() => {
  const total = summaries.reduce(
    (sum, one) => ({
      built: sum.built + one.built,
      distinct: sum.distinct + one.distinct,
      acked: sum.acked + one.ackedChecked,
    }),
    { built: 0, distinct: 0, acked: 0 },
  );
  console.log(
    `crash states in all: ${total.built} built, ${total.distinct} distinct reopened, ${total.acked} acknowledged saves checked`,
  );
});

describe("power loss at any point of a workload on a disk that honours fsync", () => {
  CRASH_WORKLOADS.forEach((workload, index) => {
    it(
      `${workload.name}: every crash state reopens with every acknowledged save, nothing else and nothing half-applied`,
      async () => {
        const run = await recordWorkload(root, workload);
        // The premises: the workload acknowledged every save, and syncs were recorded.
        expect(run.commits.every((commit) => commit.ackedAt !== undefined)).toBe(true);
        expect(run.recording.folderSyncs.length).toBeGreaterThan(0);
        const summary = await checkCrashStates(run, root, PER_WORKLOAD, 1000 + index);
        summaries.push(summary);
        console.log(summaryLine(summary));
        expect(summary.violations.slice(0, 5)).toEqual([]);
        expect(summary.distinct).toBeGreaterThanOrEqual(Math.min(PER_WORKLOAD, 20));
        expect(summary.ackedChecked).toBeGreaterThan(0);
      },
      TIMEOUT_MS,
    );
  });
});

describe("the model can fail", () => {
  it("reports lost acknowledged saves when the journal's data sync is dropped", async () => {
    const workload = CRASH_WORKLOADS.find((one) => one.name === "single saves");
    if (workload === undefined) throw new Error("no single-saves workload");
    const run = await recordWorkload(root, workload, withoutJournalDataSync);
    const summary = await checkCrashStates(run, root, 60, 7);
    console.log(`mutant without the journal's data sync: ${summaryLine(summary)}`);
    expect(summary.losses).toBeGreaterThan(0);
    expect(summary.violations.some((one) => one.problem.startsWith("lost acknowledged: "))).toBe(
      true,
    );
  }, 60_000);
});
