import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import type { SqlRow } from "../../src/adapter/storage-adapter.js";
import {
  CampaignCPMTracker,
  initNegotiationStateTable,
  memoryPersistence,
  NegotiationStateMachine,
  NegotiationStateStore,
  openSqlJsAdapter,
} from "../../src/index.js";
import { bundlePage } from "../support/bundled-page.js";
import { type ChromiumProcess, launchChromium } from "../support/chromium-process.js";
import { type KillStep, ROUND_STEPS, roundSteps } from "../support/indexed-db-kill-workload.js";
import { randomNegotiation } from "../support/random-negotiation.mjs";
import { serveWithReports } from "../support/report-server.js";
import { integerIn, seededRandom } from "../support/seeded-random.mjs";

/*
 * DESIGN §6 in a browser: a save acknowledged by IndexedDB (strict durability) survives
 * the browser being killed. Round after round, Chromium opens a page on the same profile
 * (`--user-data-dir` kept) and origin; the page opens the store, reports every row it finds,
 * then saves (lone saves and deletes, bursts of them, transactions of 2 to 6 changes) and
 * reports each acknowledgement the moment its promise resolves, until every process of the
 * browser is SIGKILLed at a random moment (now and then before the page has even opened).
 * What the next round's page finds must be the state the last round started from, plus
 * every step before the one the kill struck whole, plus, of that step, each unit entirely
 * or not at all, every acknowledged one included (the units of a step touch different
 * threads, so each thread tells which reached the disk); and every row must hold exactly
 * what its save wrote (compared column by column with the same save in a memory store,
 * timestamps aside), with PRAGMA integrity_check ok. Half the rounds fold the journal into
 * the snapshot every 2 to 64 KB, from the checkpoint worker (bundled beside the page), so
 * that kills strike checkpoints too. The work is fixed by the seed, so the
 * test knows every change the page could have made; only acknowledgements the server
 * received count, a subset of those the page was given.
 *
 * One loss is Chromium's own, and counted apart: after a kill that cuts LevelDB's last log
 * record short, the next session appends after it (LevelDB's reuse_logs, google/leveldb
 * #1287), and the one after finds the log corrupt, deletes the origin's IndexedDB and starts
 * it empty. A launch is taken to have done that only when LevelDB's LOG says it created the
 * database afresh on a profile where it existed, and the page then finds no row at all.
 *
 * KILL_ROUNDS=<n> (8 by default) and KILL_SEED=<n> for longer runs.
 */

const ROUNDS = Number(process.env.KILL_ROUNDS ?? 8);
const SEED = Number(process.env.KILL_SEED ?? 11);
const PAGE = fileURLToPath(new URL("../support/indexed-db-kill-page.js", import.meta.url));
/** How long a launched page may take to report what it found. */
const STATE_TIMEOUT_MS = 30_000;
/** Past this many, problems are counted but not listed. */
const PROBLEMS_KEPT = 50;
/**
 * What LevelDB writes in the LOG of the origin's IndexedDB when it creates the database
 * afresh: on a profile whose database existed before the launch, Chromium deleted it.
 */
const LEVELDB_CREATED = /Creating DB .* since it was missing/;

/** thread id -> the version of its row, for every row of the table. */
type TableVersions = Map<string, number>;

/** What the page POSTs to /report. */
type Report =
  | { round: number; type: "state"; rows: SqlRow[]; integrity: SqlRow[] }
  | { round: number; type: "ack"; unit: number }
  | { round: number; type: "error"; message: string }
  | { round: number; type: "closed" | "exhausted" }
  | { round: number; type: "checkpoint-started" | "checkpoint-ended" };

/** The reports received so far, and a way to wait for one. */
class Reports {
  readonly states = new Map<number, Extract<Report, { type: "state" }>>();
  readonly acks = new Map<number, Set<number>>();
  readonly errors: string[] = [];
  readonly closed = new Set<number>();
  readonly exhausted = new Set<number>();
  /** Round -> checkpoint workers started and ended in it. */
  readonly checkpoints = new Map<number, { started: number; ended: number }>();
  #waiting: (() => void)[] = [];

  take(report: Report): void {
    if (report.type === "checkpoint-started" || report.type === "checkpoint-ended") {
      const counts = this.checkpoints.get(report.round) ?? { started: 0, ended: 0 };
      if (report.type === "checkpoint-started") counts.started += 1;
      else counts.ended += 1;
      this.checkpoints.set(report.round, counts);
    } else if (report.type === "state") this.states.set(report.round, report);
    else if (report.type === "ack") this.acksOf(report.round).add(report.unit);
    else if (report.type === "error") this.errors.push(`round ${report.round}: ${report.message}`);
    else if (report.type === "closed") this.closed.add(report.round);
    else this.exhausted.add(report.round);
    for (const wake of this.#waiting.splice(0)) wake();
  }

  acksOf(round: number): Set<number> {
    let acks = this.acks.get(round);
    if (acks === undefined) {
      acks = new Set();
      this.acks.set(round, acks);
    }
    return acks;
  }

  /** Resolves with true once `ready()` holds, false after `ms` or once `ended` settles. */
  async until(ready: () => boolean, ms: number, ended: Promise<unknown>): Promise<boolean> {
    const deadline = Date.now() + ms;
    let over = false;
    void ended.then(() => {
      over = true;
    });
    while (!ready()) {
      if (over || Date.now() >= deadline) return ready();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(100, deadline - Date.now()));
        this.#waiting.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return true;
  }
}

/** What the rounds came to. */
interface Figures {
  rounds: number;
  kills: number;
  killsBeforeState: number;
  /**
   * Launches in which Chromium itself deleted the origin's IndexedDB and started it afresh,
   * and what that lost: rows found before, and acknowledged units since.
   */
  browserDeletions: number;
  rowsLostToBrowser: number;
  acksLostToBrowser: number;
  acksChecked: number;
  savesChecked: number;
  transactionsChecked: number;
  unitsDurableBeforeTheirAck: number;
  unitsInFlightAtKills: number;
  rowsChecked: number;
  /** Checkpoints written by a worker, and kills that struck while one was writing. */
  checkpointsInWorkers: number;
  killsDuringCheckpoints: number;
  problemCount: number;
  readonly problems: string[];
  /** The profile and the page, kept when a problem was found. */
  kept?: string;
}

/** The outcome of one unit of the step a kill struck, as the table shows it. */
interface UnitVerdict {
  readonly applied: boolean;
  readonly problems: readonly string[];
}

const describeVersion = (version: number | undefined) =>
  version === undefined ? "no row" : `v${version}`;

function applyStep(table: TableVersions, step: KillStep): void {
  for (const unit of step) {
    for (const { op, threadId, version } of unit.ops) {
      if (op === "save") table.set(threadId, version);
      else table.delete(threadId);
    }
  }
}

/**
 * Whether `found` is `before` with step `step` partly applied: every thread the step does
 * not touch as it was, each unit entirely or not at all, every acknowledged unit applied.
 */
function partlyApplied(
  before: TableVersions,
  step: KillStep,
  acked: ReadonlySet<number>,
  found: TableVersions,
): { readonly problems: string[]; readonly units: UnitVerdict[] } {
  const touched = new Set(step.flatMap((unit) => unit.ops.map((op) => op.threadId)));
  const problems: string[] = [];
  for (const threadId of new Set([...before.keys(), ...found.keys()])) {
    if (!touched.has(threadId) && before.get(threadId) !== found.get(threadId)) {
      problems.push(
        `${JSON.stringify(threadId)} holds ${describeVersion(found.get(threadId))}, not ${describeVersion(before.get(threadId))}`,
      );
    }
  }
  const units = step.map((unit): UnitVerdict => {
    const unitProblems: string[] = [];
    const name = `${unit.transaction ? "transaction" : unit.ops[0]?.op} ${unit.id}`;
    let allAfter = true;
    let allBefore = true;
    for (const { op, threadId, version } of unit.ops) {
      const now = found.get(threadId);
      const after = op === "save" ? version : undefined;
      const isAfter = now === after;
      const isBefore = now === before.get(threadId);
      allAfter &&= isAfter;
      allBefore &&= isBefore;
      if (!isAfter && !isBefore) {
        unitProblems.push(
          `${JSON.stringify(threadId)} holds ${describeVersion(now)}: neither ${describeVersion(before.get(threadId))} from before ${name} nor the ${op} of v${version}`,
        );
      }
    }
    if (!allAfter && !allBefore && unitProblems.length === 0) {
      unitProblems.push(`${name} is half-applied`);
    }
    if (acked.has(unit.id) && !allAfter) {
      unitProblems.push(`${name} was acknowledged, but the table does not hold all of it`);
    }
    return { applied: allAfter && !allBefore, problems: unitProblems };
  });
  return { problems, units };
}

/**
 * Checks what a round's page found against the state the last round started from and that
 * round's steps: some step k at or after the last acknowledged one was struck by the kill,
 * every step before it is whole, and of step k, each unit is entirely there or not at all.
 *
 * @returns The problems (none when some k fits), and, when one fits, the figures of its step.
 */
function checkAgainstSteps(
  start: TableVersions,
  steps: readonly KillStep[],
  acked: ReadonlySet<number>,
  found: TableVersions,
): { problems: string[]; durableBeforeAck: number; inFlight: number } {
  const planned = new Set(steps.flatMap((step) => step.map((unit) => unit.id)));
  const problems = [...acked]
    .filter((id) => !planned.has(id))
    .map((id) => `unit ${id} was acknowledged, but no step has it`);
  const lastAcked = Math.max(
    0,
    ...steps.map((step, k) => (step.some((u) => acked.has(u.id)) ? k : 0)),
  );
  const table = new Map(start);
  let closest: string[] | undefined;
  let fromLastAcked: string[] = [];
  for (let k = 0; k < steps.length; k++) {
    const step = steps[k] as KillStep;
    if (k >= lastAcked) {
      const verdict = partlyApplied(table, step, acked, found);
      const unitProblems = verdict.units.flatMap((unit) => unit.problems);
      if (verdict.problems.length === 0 && unitProblems.length === 0) {
        return {
          problems,
          durableBeforeAck: step.filter(
            (unit, i) => verdict.units[i]?.applied && !acked.has(unit.id),
          ).length,
          inFlight: step.filter((unit) => !acked.has(unit.id)).length,
        };
      }
      // The first step whose untouched threads fit is where the kill struck, if anywhere.
      if (closest === undefined && verdict.problems.length === 0) {
        closest = unitProblems.map((problem) => `step ${k}: ${problem}`);
      }
      if (k === lastAcked) {
        fromLastAcked = [...verdict.problems, ...unitProblems].map(
          (problem) => `step ${k}: ${problem}`,
        );
      }
    }
    applyStep(table, step);
  }
  // No step fits: say what is wrong against the last acknowledged one.
  const listed = closest ?? fromLastAcked;
  problems.push(
    `the table fits no step from ${lastAcked} (the last with an acknowledged unit) on`,
    ...listed.slice(0, 5),
    ...(listed.length > 5 ? [`and ${listed.length - 5} more`] : []),
  );
  return { problems, durableBeforeAck: 0, inFlight: 0 };
}

/** The row each save writes, timestamps aside, from the same save into a memory store. */
class ReferenceRows {
  readonly #rows = new Map<string, SqlRow>();
  readonly #store: Promise<{
    store: NegotiationStateStore;
    read: (threadId: string) => Promise<SqlRow[]>;
  }>;

  constructor() {
    this.#store = (async () => {
      const adapter = await openSqlJsAdapter({ persistence: memoryPersistence() });
      await initNegotiationStateTable(adapter);
      return {
        store: new NegotiationStateStore(adapter, { ownsAdapter: true }),
        read: (threadId) =>
          adapter.all("SELECT * FROM negotiation_state WHERE thread_id = ?", [threadId]),
      };
    })();
  }

  async of(threadId: string, version: number): Promise<SqlRow> {
    const key = `${threadId}#${version}`;
    const known = this.#rows.get(key);
    if (known !== undefined) return known;
    const { store, read } = await this.#store;
    await store.save(
      randomNegotiation({ NegotiationStateMachine, CampaignCPMTracker }, threadId, version),
    );
    const [row] = await read(threadId);
    await store.delete(threadId);
    const { created_at: _created, updated_at: _updated, ...rest } = row as SqlRow;
    this.#rows.set(key, rest);
    return rest;
  }

  async close(): Promise<void> {
    await (await this.#store).store.close();
  }
}

/**
 * Reads the versions of the rows a page found, checking each row against the save that
 * wrote it.
 */
async function readFound(
  state: Extract<Report, { type: "state" }>,
  reference: ReferenceRows,
  problem: (text: string) => void,
): Promise<TableVersions> {
  if (!isDeepStrictEqual(state.integrity, [{ integrity_check: "ok" }])) {
    problem(`PRAGMA integrity_check: ${JSON.stringify(state.integrity)}`);
  }
  const found: TableVersions = new Map();
  for (const row of state.rows) {
    const threadId = String(row.thread_id);
    let version: unknown;
    try {
      version = JSON.parse(String(row.context_json)).version;
    } catch {}
    if (!Number.isSafeInteger(version)) {
      problem(`row ${JSON.stringify(threadId)} has no version: ${String(row.context_json)}`);
      continue;
    }
    found.set(threadId, version as number);
    const { created_at, updated_at, ...rest } = row;
    const expected = await reference.of(threadId, version as number);
    if (!isDeepStrictEqual(rest, expected)) {
      problem(
        `row ${JSON.stringify(threadId)} v${version} is not what its save wrote: ${JSON.stringify(rest)}, expected ${JSON.stringify(expected)}`,
      );
    }
    for (const stamp of [created_at, updated_at]) {
      if (typeof stamp !== "string" || Number.isNaN(Date.parse(stamp))) {
        problem(`row ${JSON.stringify(threadId)} has a bad timestamp ${JSON.stringify(stamp)}`);
      }
    }
  }
  return found;
}

async function runKillRounds(): Promise<Figures> {
  const folder = await mkdtemp(join(tmpdir(), "negotiation-state-idb-kill-"));
  const site = join(folder, "site");
  await bundlePage(PAGE, site);
  const reports = new Reports();
  const server = await serveWithReports(site, (report) => reports.take(report as Report));
  const reference = new ReferenceRows();
  const random = seededRandom(SEED * 7919 + 1);
  const integer = (min: number, max: number) => integerIn(random, min, max);
  const figures: Figures = {
    rounds: 0,
    kills: 0,
    killsBeforeState: 0,
    browserDeletions: 0,
    rowsLostToBrowser: 0,
    acksLostToBrowser: 0,
    acksChecked: 0,
    savesChecked: 0,
    transactionsChecked: 0,
    unitsDurableBeforeTheirAck: 0,
    unitsInFlightAtKills: 0,
    rowsChecked: 0,
    checkpointsInWorkers: 0,
    killsDuringCheckpoints: 0,
    problemCount: 0,
    problems: [],
  };
  const problem = (round: number, text: string) => {
    figures.problemCount += 1;
    if (figures.problems.length < PROBLEMS_KEPT) figures.problems.push(`round ${round}: ${text}`);
  };

  // The table as the last page to report found it, and the round that then worked on it.
  let start: TableVersions = new Map();
  let worked: number | undefined;
  let browser: ChromiumProcess | undefined;
  /** The launch in which Chromium deleted the database, until a page's report is checked. */
  let deletedAt: number | undefined;
  const leveldb = join(
    folder,
    "profile",
    "Default",
    "IndexedDB",
    `http_127.0.0.1_${new URL(server.origin).port}.indexeddb.leveldb`,
  );
  try {
    // The last launch only opens, reports and closes: it reads what the last kill left.
    for (let round = 0; round <= ROUNDS; round++) {
      const final = round === ROUNDS;
      const checkpoint = random() < 0.5 ? integer(2_048, 65_536) : 0;
      const query = `seed=${SEED}&round=${round}&checkpoint=${checkpoint}${final ? "&final" : ""}`;
      const existed = existsSync(join(leveldb, "CURRENT"));
      const launched = launchChromium(join(folder, "profile"), `${server.origin}/?${query}`);
      browser = launched;
      // Now and then the kill comes from the launch, so that it may strike an open.
      const fromLaunch = !final && random() < 0.15;
      const delay = fromLaunch ? integer(300, 2_500) : integer(100, 3_000);
      if (fromLaunch) {
        await reports.until(() => false, delay, launched.exited);
      } else {
        const ready = () => (final ? reports.closed : reports.states).has(round);
        if (!(await reports.until(ready, STATE_TIMEOUT_MS, launched.exited))) {
          problem(
            round,
            `the page reported nothing in ${STATE_TIMEOUT_MS} ms (${reports.errors.join(" / ") || "no error"}); Chromium: ${launched.stderr()}`,
          );
        }
        if (!final) await reports.until(() => false, delay, launched.exited);
      }
      const exitedEarly = await Promise.race([
        launched.exited.then(() => true),
        new Promise<boolean>((resolve) => setImmediate(() => resolve(false))),
      ]);
      if (exitedEarly) problem(round, `Chromium exited by itself: ${launched.stderr()}`);
      await launched.killAll();
      browser = undefined;
      const leveldbLog = await readFile(join(leveldb, "LOG"), "utf8").catch(() => "");
      if (existed && LEVELDB_CREATED.test(leveldbLog)) deletedAt ??= round;
      if (!final) {
        figures.rounds += 1;
        figures.kills += 1;
        const checkpoints = reports.checkpoints.get(round);
        figures.checkpointsInWorkers += checkpoints?.ended ?? 0;
        if (checkpoints && checkpoints.started > checkpoints.ended) {
          figures.killsDuringCheckpoints += 1;
        }
      }

      const state = reports.states.get(round);
      if (state === undefined) {
        figures.killsBeforeState += 1;
        continue;
      }
      const found = await readFound(state, reference, (text) => problem(round, text));
      figures.rowsChecked += state.rows.length;
      if (deletedAt !== undefined) {
        // Not this package's doing, and nothing it can keep: see the README (Reliability).
        if (found.size > 0) {
          problem(
            round,
            `LevelDB started the database afresh in round ${deletedAt}, yet the page found rows`,
          );
        }
        figures.browserDeletions += 1;
        figures.rowsLostToBrowser += start.size;
        figures.acksLostToBrowser += worked === undefined ? 0 : reports.acksOf(worked).size;
        console.warn(
          `[indexeddb kill] round ${deletedAt}: Chromium deleted the origin's IndexedDB (LevelDB: "${LEVELDB_CREATED.exec(leveldbLog)?.[0] ?? "created afresh"}"), losing ${start.size} rows`,
        );
        deletedAt = undefined;
      } else if (worked === undefined) {
        if (!isDeepStrictEqual(found, start)) {
          problem(round, `the first page found rows in a new profile: ${[...found.keys()]}`);
        }
      } else {
        const steps = roundSteps(SEED, worked, ROUND_STEPS);
        const acked = reports.acksOf(worked);
        const checked = checkAgainstSteps(start, steps, acked, found);
        for (const text of checked.problems) problem(round, `after round ${worked}: ${text}`);
        figures.unitsDurableBeforeTheirAck += checked.durableBeforeAck;
        figures.unitsInFlightAtKills += checked.inFlight;
        for (const unit of steps.flat()) {
          if (!acked.has(unit.id)) continue;
          figures.acksChecked += 1;
          figures.savesChecked += unit.ops.filter((op) => op.op === "save").length;
          if (unit.transaction) figures.transactionsChecked += 1;
        }
        if (reports.exhausted.has(worked)) {
          problem(round, `round ${worked} ran out of steps: raise ROUND_STEPS`);
        }
      }
      start = found;
      worked = final ? undefined : round;
    }
    if (!reports.closed.has(ROUNDS)) problem(ROUNDS, "the last page did not close the store");
    for (const error of reports.errors) problem(-1, `the page failed: ${error}`);
  } finally {
    await browser?.killAll();
    await server.close();
    await reference.close();
    if (figures.problemCount === 0) await rm(folder, { recursive: true, force: true });
    else figures.kept = folder;
  }
  return figures;
}

describe("IndexedDB in Chromium, killed while saving", () => {
  it(
    `keeps every acknowledged save with its exact values and half-applies nothing across ${ROUNDS} SIGKILLs of the browser`,
    async () => {
      const figures = await runKillRounds();
      console.log(
        `[indexeddb kill] seed ${SEED}: ${figures.rounds} rounds, ${figures.kills} SIGKILLs (${figures.killsBeforeState} before the page reported), ${figures.browserDeletions} deletions of the whole database by Chromium (${figures.rowsLostToBrowser} rows and ${figures.acksLostToBrowser} acknowledged units lost with them), ${figures.acksChecked} acknowledged units checked (${figures.savesChecked} saves, ${figures.transactionsChecked} transactions), ${figures.unitsInFlightAtKills} units in flight at the kills (${figures.unitsDurableBeforeTheirAck} durable before their ack arrived), ${figures.rowsChecked} rows checked, ${figures.checkpointsInWorkers} checkpoints written by a worker (${figures.killsDuringCheckpoints} kills while one wrote), ${figures.problemCount} problems${figures.kept ? ` (kept: ${figures.kept})` : ""}`,
      );
      expect(figures.problems).toEqual([]);
      expect(figures.kills).toBe(ROUNDS);
      // The kills struck pages at work: saves had been acknowledged, and checked.
      expect(figures.acksChecked).toBeGreaterThan(0);
      expect(figures.rowsChecked).toBeGreaterThan(0);
      // Half the rounds fold the journal every few KB: their checkpoints ran in a worker.
      expect(figures.checkpointsInWorkers).toBeGreaterThan(0);
    },
    60_000 + ROUNDS * 20_000,
  );
});

describe("the kill test's check", () => {
  const save = (threadId: string, version: number) => ({ op: "save" as const, threadId, version });
  // Step 0: a lone save of a; step 1: a transaction (b, c) beside a lone save of d; step 2: a.
  const steps: KillStep[] = [
    [{ id: 1, transaction: false, ops: [save("a", 2)] }],
    [
      { id: 3, transaction: true, ops: [save("b", 4), save("c", 5)] },
      { id: 6, transaction: false, ops: [save("d", 7)] },
    ],
    [{ id: 8, transaction: false, ops: [save("a", 9)] }],
  ];
  const table = (entries: Record<string, number>): TableVersions =>
    new Map(Object.entries(entries));

  it("passes a kill that struck mid-step, with unacknowledged units there or not", () => {
    const found = table({ a: 2, d: 7 });
    expect(checkAgainstSteps(new Map(), steps, new Set([1]), found).problems).toEqual([]);
    expect(
      checkAgainstSteps(new Map(), steps, new Set([1, 3, 6]), table({ a: 9, b: 4, c: 5, d: 7 })),
    ).toMatchObject({ problems: [], inFlight: 1, durableBeforeAck: 1 });
  });

  it("finds an acknowledged unit missing, a half-applied transaction and a row from nowhere", () => {
    expect(
      checkAgainstSteps(new Map(), steps, new Set([1, 3]), table({ a: 2, d: 7 })).problems,
    ).toContain("step 1: transaction 3 was acknowledged, but the table does not hold all of it");
    expect(
      checkAgainstSteps(new Map(), steps, new Set([1]), table({ a: 2, b: 4 })).problems,
    ).toContain("step 1: transaction 3 is half-applied");
    expect(
      checkAgainstSteps(table({ z: 1 }), steps, new Set([1]), table({ a: 2, z: 0 })).problems,
    ).toContain('step 0: "z" holds v0, not v1');
  });
});
