import { spawn } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { basename, join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqlJsAdapter, type SqlJsAdapter } from "../../src/adapter/sql-js-adapter.js";
import type { SqlRow } from "../../src/adapter/storage-adapter.js";
import { isNegotiationError } from "../../src/domain/errors.js";
import {
  type FilePersistenceOptions,
  filePersistence,
  JOURNAL_SUFFIX,
} from "../../src/persistence/file-persistence.js";
import { type FileSystem, nodeFileSystem } from "../../src/persistence/file-system.js";
import { decodeJournal } from "../../src/persistence/journal-codec.js";
import type { Persistence } from "../../src/persistence/persistence.js";
import {
  type NegotiationInput,
  type NegotiationStateOperations,
  NegotiationStateStore,
} from "../../src/store/negotiation-state-store.js";
import { initNegotiationStateTable } from "../../src/store/negotiation-state-table.js";
import { openNegotiationStore } from "../../src/store/open-negotiation-store.js";
import {
  type FaultKind,
  type FaultyFileSystem,
  faultKindsFor,
  faultyFileSystem,
  type InjectedFault,
} from "../support/faulty-file-system.js";
import { negotiation, steppingClock } from "../support/negotiations.js";

/*
 * Issue 5, item 2: fault injection at the file target's boundary. A scripted workload
 * (open a crashed database, taking over its lock and replaying its journal; a save; three
 * concurrent saves; a transaction; a delete; a checkpoint; more saves and a delete made
 * together; close) runs once on a counting file system to learn its N calls, every one
 * routed through the injectable FileSystem: the lock file's too. Then, for every call k and
 * every fault kind that applies to it (EIO, ENOSPC, EIO after the call took effect, and
 * for writes a short write, a short write then ENOSPC, a torn write), it runs again with
 * that fault at call k, and checks:
 *
 * (a) what met the fault rejects with a NegotiationError naming the database and the
 *     cause's code; or the fault struck a checkpoint the adapter started by itself, and a
 *     later one succeeded; or it struck the clean-up of a lock's side file;
 * (b) nothing acknowledged is lost: the files as a power loss at the moment of the fault
 *     would leave them (copied right then), and the files after the run (reopened as a
 *     restart would, fault cleared), hold the state after a prefix of the operations that
 *     includes every acknowledged one; a failed read at open changes nothing on disk;
 * (c) while the store still answers reads after the fault, it answers, at the end of each
 *     later step, what a copy of its files taken then holds;
 * (d) the store either goes on (every later operation succeeds and is durable) or refuses
 *     every later operation; a restart then works and keeps what it is given. A lock file
 *     this process could not remove may stay only if an error said so: the restart (another
 *     process, once this one is gone) takes it over.
 */

type Op =
  | { readonly type: "save"; readonly input: NegotiationInput }
  | { readonly type: "delete"; readonly threadId: string }
  | { readonly type: "transaction"; readonly ops: readonly Op[] };

type Step =
  | { readonly type: "open" | "checkpoint" | "close" }
  | { readonly type: "ops"; readonly name: string; readonly ops: readonly Op[] };

interface Workload {
  readonly name: string;
  readonly options: FilePersistenceOptions;
  readonly steps: readonly Step[];
}

const save = (
  threadId: string,
  events: Parameters<typeof negotiation>[1] = ["send_offer"],
): Op => ({
  type: "save",
  input: negotiation(threadId, events, {
    context: { influencer_name: `Influencer ${threadId}`, next_cpm: "31.25", note: "é🌸'\"" },
  }),
});
const remove = (threadId: string): Op => ({ type: "delete", threadId });

const OPS_BEFORE_CHECKPOINT: Step[] = [
  { type: "open" },
  { type: "ops", name: "a save", ops: [save("a")] },
  { type: "ops", name: "3 concurrent saves", ops: [save("b"), save("c"), save("d")] },
  {
    type: "ops",
    name: "a transaction",
    ops: [
      {
        type: "transaction",
        ops: [save("e"), save("a", ["send_offer", "receive_reply"]), remove("seed-1")],
      },
    ],
  },
  { type: "ops", name: "a delete", ops: [remove("b")] },
];
const OPS_AFTER_CHECKPOINT: Step[] = [
  { type: "ops", name: "a save after", ops: [save("f")] },
  {
    type: "ops",
    name: "concurrent save, delete, save",
    ops: [save("c", ["send_offer", "receive_reply", "send_counter"]), remove("d"), save("g")],
  },
  { type: "close" },
];

const WORKLOADS: Workload[] = [
  {
    name: "journal",
    options: {},
    steps: [...OPS_BEFORE_CHECKPOINT, { type: "checkpoint" }, ...OPS_AFTER_CHECKPOINT],
  },
  {
    name: "journal, checkpoint after every commit",
    options: { checkpointBytes: 1 },
    steps: [...OPS_BEFORE_CHECKPOINT, ...OPS_AFTER_CHECKPOINT],
  },
  {
    name: "whole image",
    options: { journal: false },
    steps: [...OPS_BEFORE_CHECKPOINT, ...OPS_AFTER_CHECKPOINT],
  },
];

const DB = "n.db";
const SELECT_ALL = "SELECT * FROM negotiation_state ORDER BY thread_id";

let root: string;
/** The files every run starts from: a snapshot, and a journal after it with a zero tail. */
let seed: Map<string, Buffer>;
let folders = 0;
const totals = { faults: 0, calls: 0, lost: 0, locksLeft: 0, outcomes: new Map<Outcome, number>() };

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "negotiation-state-file-faults-"));
  seed = await makeSeed();
});

afterAll(async () => {
  console.log(
    `[faults] file target: ${totals.faults} faults injected over ${totals.calls} calls of ${WORKLOADS.length} workloads, ${totals.lost} lost (${describeOutcomes(totals.outcomes)}; ${totals.locksLeft} lock files left for the next process)`,
  );
  await rm(root, { recursive: true, force: true });
});

async function newFolder(): Promise<string> {
  const folder = join(root, String(++folders));
  await mkdir(folder);
  return folder;
}

/**
 * A crashed database: seed-1..3 in the snapshot, then seed-2's update and seed-4 in the
 * journal, and the lock of the process that crashed, which opening takes over.
 */
async function makeSeed(): Promise<Map<string, Buffer>> {
  const folder = await newFolder();
  const path = join(folder, DB);
  const adapter = await openSqlJsAdapter({ persistence: filePersistence(path) });
  await initNegotiationStateTable(adapter);
  const store = new NegotiationStateStore(adapter, {
    clock: steppingClock("2026-03-01T08:00:00Z", 60),
  });
  for (const threadId of ["seed-1", "seed-2", "seed-3"]) await store.save(negotiation(threadId));
  await adapter.checkpoint();
  await store.save(negotiation("seed-2", ["send_offer", "receive_reply"]));
  await store.save(negotiation("seed-4"));
  const files = new Map<string, Buffer>();
  files.set(DB, await readFile(path));
  const journal = await readFile(`${path}${JOURNAL_SUFFIX}`);
  const { validBytes } = decodeJournal(journal, "seed");
  // Keep a short zero tail, as a crash after the journal grew would leave one.
  files.set(`${DB}${JOURNAL_SUFFIX}`, journal.subarray(0, validBytes + 4096));
  await adapter.close();
  const crashed = { pid: await deadPid(), host: hostname(), token: "crashed-writer" };
  files.set(`${DB}.lock`, Buffer.from(JSON.stringify(crashed)));
  return files;
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""]);
  await new Promise((resolve) => child.on("exit", resolve));
  return child.pid as number;
}

async function writeFiles(folder: string, files: Map<string, Buffer>): Promise<void> {
  for (const [name, bytes] of files) await writeFile(join(folder, name), bytes);
}

/** The files of a folder, as a power loss would leave them; the lock names this live process, so it stays out. */
async function filesOf(folder: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const name of (await readdir(folder)).sort()) {
    if (!name.includes(".lock")) files.set(name, await readFile(join(folder, name)));
  }
  return files;
}

const withoutLock = (files: Map<string, Buffer>) =>
  new Map([...files].filter(([name]) => !name.includes(".lock")));

async function crashCopy(folder: string): Promise<string> {
  const copy = `${folder}-crash-${++folders}`;
  await mkdir(copy);
  for (const name of await readdir(folder)) {
    if (!name.includes(".lock")) await copyFile(join(folder, name), join(copy, name));
  }
  return join(copy, DB);
}

/** Opens a database with the real file system, as a restarted process would, and reads every row. */
async function reopen(path: string): Promise<SqlRow[]> {
  const adapter = await openSqlJsAdapter({ persistence: filePersistence(path) });
  try {
    return await adapter.all(SELECT_ALL);
  } finally {
    await adapter.close();
  }
}

function perform(store: NegotiationStateOperations, op: Op): Promise<unknown> {
  switch (op.type) {
    case "save":
      return store.save(op.input);
    case "delete":
      return store.delete(op.threadId);
    case "transaction":
      return (store as NegotiationStateStore).transaction(async (tx) => {
        for (const inner of op.ops) await perform(tx, inner);
      });
  }
}

/** One run of a workload, and what it saw. */
interface Run {
  readonly folder: string;
  readonly path: string;
  readonly fileSystem: FaultyFileSystem;
  step: string;
  /** How many operations were issued (they are numbered 1, 2, ... in the order they commit). */
  issued: number;
  readonly resolved: Set<number>;
  readonly rejected: Map<number, unknown>;
  readonly stepErrors: { readonly step: string; readonly error: unknown }[];
  /** How many times the persistence's `checkpoint` was called, and which call is under way. */
  checkpoints: number;
  inCheckpoint: number | undefined;
  /** The fault, where it struck, and the files a power loss at that moment would leave. */
  crash?: {
    readonly fault: InjectedFault;
    readonly step: string;
    readonly copy: string;
    readonly acknowledged: number;
    readonly issued: number;
    readonly checkpoint: number | undefined;
  };
  /**
   * After the fault, at the end of each step while the store still answers reads: what it
   * answered, and the files a power loss at that moment would leave.
   */
  readonly afterFault: AfterFault[];
}

interface AfterFault {
  readonly step: string;
  readonly rows: SqlRow[];
  readonly issued: number;
  readonly copy: string;
}

function newRun(folder: string): Run {
  const run: Run = {
    folder,
    path: join(folder, DB),
    fileSystem: faultyFileSystem(),
    step: "",
    issued: 0,
    resolved: new Set(),
    rejected: new Map(),
    stepErrors: [],
    checkpoints: 0,
    inCheckpoint: undefined,
    afterFault: [],
  };
  run.fileSystem.onFault = async (fault) => {
    if (run.crash) return;
    run.crash = {
      fault,
      step: run.step,
      copy: await crashCopy(folder),
      acknowledged: Math.max(0, ...run.resolved),
      issued: run.issued,
      checkpoint: run.inCheckpoint,
    };
  };
  return run;
}

/** Notes which call of the persistence's `checkpoint` a fault strikes in. */
function tracked(persistence: Persistence, run: Run): Persistence {
  return {
    ...persistence,
    async checkpoint(snapshot) {
      run.inCheckpoint = ++run.checkpoints;
      try {
        await persistence.checkpoint(snapshot);
      } finally {
        run.inCheckpoint = undefined;
      }
    },
  };
}

/** Runs a workload on `run`'s faulty file system, recording what resolves and what rejects. */
async function runWorkload(workload: Workload, run: Run): Promise<void> {
  let adapter: SqlJsAdapter | undefined;
  let store: NegotiationStateStore | undefined;
  const stepFailed = (error: unknown) => run.stepErrors.push({ step: run.step, error });
  for (const step of workload.steps) {
    run.step = step.type === "ops" ? step.name : step.type;
    if (step.type === "open") {
      // What openNegotiationStore does, keeping the adapter to call checkpoint() on.
      try {
        const persistence = filePersistence(run.path, {
          ...workload.options,
          fileSystem: run.fileSystem,
        });
        const opened = await openSqlJsAdapter({ persistence: tracked(persistence, run) });
        try {
          await initNegotiationStateTable(opened);
        } catch (error) {
          await opened.close();
          throw error;
        }
        adapter = opened;
        store = new NegotiationStateStore(opened, {
          clock: steppingClock("2026-03-02T09:00:00Z", 1),
          ownsAdapter: true,
        });
      } catch (error) {
        stepFailed(error);
        return;
      }
    } else if (step.type === "checkpoint") {
      await adapter?.checkpoint().catch(stepFailed);
    } else if (step.type === "close") {
      await store?.close().catch(stepFailed);
    } else if (store) {
      const open = store;
      const { ops } = step as Extract<Step, { type: "ops" }>;
      await Promise.all(
        ops.map((op) => {
          const number = ++run.issued;
          return perform(open, op).then(
            () => run.resolved.add(number),
            (error: unknown) => run.rejected.set(number, error),
          );
        }),
      );
    }
    if (run.crash && adapter && step.type !== "close") {
      const rows = await adapter.all(SELECT_ALL).catch(() => undefined);
      if (rows) {
        const copy = await crashCopy(run.folder);
        run.afterFault.push({ step: run.step, rows, issued: run.issued, copy });
      }
    }
  }
}

/** The table after each prefix of the workload's operations: states[i] after the first i. */
async function referenceStates(workload: Workload): Promise<SqlRow[][]> {
  const folder = await newFolder();
  await writeFiles(folder, seed);
  const path = join(folder, DB);
  const adapter = await openSqlJsAdapter({ persistence: filePersistence(path, workload.options) });
  await initNegotiationStateTable(adapter);
  const store = new NegotiationStateStore(adapter, {
    clock: steppingClock("2026-03-02T09:00:00Z", 1),
    ownsAdapter: true,
  });
  const states = [await adapter.all(SELECT_ALL)];
  for (const step of workload.steps) {
    if (step.type !== "ops") continue;
    for (const op of step.ops) {
      await perform(store, op);
      states.push(await adapter.all(SELECT_ALL));
    }
  }
  await store.close();
  return states;
}

/** The index of the state `rows` equals among states[from..to], or -1. */
function prefixOf(rows: SqlRow[], states: SqlRow[][], from: number, to: number): number {
  for (let i = from; i <= to; i++) if (isDeepStrictEqual(rows, states[i])) return i;
  return -1;
}

/** The calls of a run without what differs from run to run: its folder and temp file names. */
const normalized = (run: Run) =>
  run.fileSystem.calls.map((call) =>
    call.replaceAll(run.folder, "<folder>").replace(/[0-9a-f]{8}-[0-9a-f-]{27}/, "<uuid>"),
  );

const describeRows = (rows: SqlRow[]) =>
  rows.map((row) => `${String(row.thread_id)}:${String(row.state)}`).join(",");

const codeOf = (kind: FaultKind) => (kind.includes("ENOSPC") ? "ENOSPC" : "EIO");

/** How a run's fault came out. */
type Outcome =
  /** Refused with a clear error. */
  | "refused"
  /**
   * A checkpoint the adapter started by itself (the fold at open, or one past the journal's
   * threshold) failed; a later one succeeded.
   */
  | "absorbed by a later checkpoint"
  /** The clean-up of a lock's side file failed; the lock itself was not affected. */
  | "absorbed by a lock clean-up"
  /** A short write, after which the write went on. */
  | "completed"
  /** The call failed by itself before the fault could be injected (a link onto an existing name). */
  | "moot";

interface Checked {
  readonly outcome: Outcome;
  readonly problems: string[];
  readonly lost: boolean;
  /** A lock file this process could not remove was left for the next process to take over. */
  readonly lockLeft: boolean;
}

/** Checks (a) to (d) on a run with one fault. */
async function checkRun(
  workload: Workload,
  run: Run,
  fault: { at: number; kind: FaultKind },
  probeCalls: readonly string[],
  states: SqlRow[][],
): Promise<Checked> {
  const problems: string[] = [];
  let lost = false;
  let lockLeft = false;
  const problem = (text: string) => problems.push(text);
  const { crash } = run;
  const total = states.length - 1;
  const expectedCalls = probeCalls.slice(0, fault.at);
  if (!isDeepStrictEqual(normalized(run).slice(0, fault.at), expectedCalls)) {
    problem(`the calls before the fault differ from the counting run's`);
  }
  if (!crash) {
    if (fault.kind !== "EIO after") problem(`the fault was not injected at call ${fault.at}`);
    return { outcome: "moot", problems, lost, lockLeft };
  }
  if (crash.fault.at !== fault.at) problem(`the fault struck call ${crash.fault.at}`);
  const call = crash.fault.call;
  const lockFile = `${run.path}.lock`;

  // (a) Every refusal is a NegotiationError naming the database and the cause's code.
  const errors = [
    ...run.stepErrors.map(({ step, error }) => ({ where: step, error })),
    ...[...run.rejected].map(([number, error]) => ({ where: `operation ${number}`, error })),
  ];
  for (const { where, error } of errors) {
    const message = error instanceof Error ? error.message : String(error);
    if (!isNegotiationError(error)) {
      problem(
        `(a) ${where} rejected with a ${(error as Error)?.name}, not a NegotiationError: ${message}`,
      );
    } else if (!message.includes(run.path)) {
      problem(`(a) ${where}: the error does not name ${run.path}: ${message}`);
    } else if (!message.includes(codeOf(fault.kind))) {
      problem(`(a) ${where}: the error does not name ${codeOf(fault.kind)}: ${message}`);
    }
  }
  let outcome: Outcome = "refused";
  if (fault.kind === "short") {
    outcome = "completed";
    if (errors.length > 0) {
      problem(`a short write (which writeAll must go on after) failed ${errors[0]?.where}`);
    }
  } else if (errors.length === 0) {
    // In whole-image mode each commit's checkpoint is its save; only the fold at open is
    // one the adapter starts by itself.
    const startedByItself = workload.options.journal !== false || crash.step === "open";
    if (crash.checkpoint !== undefined && crash.checkpoint < run.checkpoints && startedByItself) {
      outcome = "absorbed by a later checkpoint";
    } else if (call.startsWith(`rm ${lockFile}.`)) {
      outcome = "absorbed by a lock clean-up";
    } else {
      problem(`the fault was swallowed: nothing rejected`);
    }
  }

  // (d) Once an operation is refused, every later one is too: none resolves after it.
  const firstRejected = Math.min(...run.rejected.keys());
  for (const number of run.resolved) {
    if (number > firstRejected) {
      problem(`(d) operation ${number} resolved after ${firstRejected} was refused`);
    }
  }
  if (errors.length === 0 && run.resolved.size !== total) {
    problem(
      `(d) nothing was refused, yet only ${run.resolved.size} of ${total} operations resolved`,
    );
  }

  // (b) The files at the moment of the fault hold every operation acknowledged by then.
  try {
    const rows = await reopen(crash.copy);
    if (prefixOf(rows, states, crash.acknowledged, crash.issued) < 0) {
      lost ||= prefixOf(rows, states, 0, total) < crash.acknowledged;
      problem(
        `(b) the crash copy holds ${describeRows(rows)}, not the state after ${crash.acknowledged}..${crash.issued} operations`,
      );
    }
  } catch (error) {
    lost = true;
    problem(`(b) the crash copy does not open: ${(error as Error).message}`);
  }

  // A failed open changes nothing that was durable; a failed read changes nothing at all.
  if (crash.step === "open" && run.stepErrors.some(({ step }) => step === "open")) {
    const files = await filesOf(run.folder);
    const [name] = call.split(" ");
    if (name === "readFile" || name === "readdir") {
      if (!isDeepStrictEqual(files, withoutLock(seed))) {
        problem(`a failed read at open changed the files`);
      }
    } else if (
      workload.options.journal !== false &&
      !isDeepStrictEqual(files.get(DB), seed.get(DB))
    ) {
      problem(`a failed open changed the database file`);
    }
  }

  // (c) What the store answers after the fault is what a reopen of its files finds, at the
  // end of every later step: all it was asked, all acknowledged.
  for (const { step, rows, issued, copy } of run.afterFault) {
    if (!isDeepStrictEqual(rows, states[issued])) {
      problem(
        `(c) after "${step}" the store read ${describeRows(rows)}, not the state after its ${issued} operations`,
      );
    }
    const durable = await reopen(copy).catch((error: Error) => error.message);
    if (!isDeepStrictEqual(durable, rows)) {
      lost = true;
      problem(
        `(c) after "${step}" the store read ${describeRows(rows)}, but a crash then would leave ${typeof durable === "string" ? durable : describeRows(durable)}`,
      );
    }
  }

  // A lock this process could not remove may stay, but not silently: a restart (another
  // process, once this one is gone) takes it over.
  const lock = await readFile(lockFile, "utf8").catch(() => undefined);
  const holder = lock === undefined ? undefined : (JSON.parse(lock) as { pid: number });
  if (holder?.pid === process.pid) {
    lockLeft = true;
    if (!errors.some(({ error }) => (error as Error).message.includes(lockFile))) {
      problem(`(d) the lock file was left behind, and no error said so`);
    }
    await writeFile(lockFile, JSON.stringify({ ...holder, pid: await deadPid() }));
  }

  // (b, d) A restart with the fault cleared opens, holds every acknowledged operation, and
  // keeps what it is given next.
  const acknowledged = Math.max(0, ...run.resolved);
  try {
    const rows = await reopen(run.path);
    const at = prefixOf(rows, states, acknowledged, run.issued);
    if (at < 0) {
      lost ||= prefixOf(rows, states, 0, total) < acknowledged;
      problem(
        `(b) after a restart the database holds ${describeRows(rows)}, not the state after ${acknowledged}..${run.issued} operations`,
      );
    }
    const store = await openNegotiationStore({ persistence: filePersistence(run.path) });
    await store.save(negotiation("after-restart"));
    await store.close();
    const after = await reopen(run.path);
    const others = after.filter((row) => row.thread_id !== "after-restart");
    if (!isDeepStrictEqual(others, rows) || after.length !== rows.length + 1) {
      problem(`(d) a save after the restart was not kept`);
    }
    // Only the side file of a lock whose clean-up failed may stay.
    const left = (await readdir(run.folder)).filter(
      (name) => name !== DB && !(outcome === "absorbed by a lock clean-up" && call.endsWith(name)),
    );
    if (left.length > 0) problem(`files left after a clean close: ${left.join(", ")}`);
  } catch (error) {
    lost = true;
    problem(`(b) the database does not reopen after the fault: ${(error as Error).message}`);
  }
  return { outcome, problems, lost, lockLeft };
}

describe("the file target with a fault injected at each file-system call", () => {
  for (const workload of WORKLOADS) {
    it(`keeps every acknowledged change, and says so clearly: ${workload.name}`, async () => {
      const states = await referenceStates(workload);
      const total = states.length - 1;

      // The counting run: every call the workload makes, and proof that it is repeatable.
      const probes: string[][] = [];
      for (let i = 0; i < 2; i++) {
        const run = newRun(await newFolder());
        await writeFiles(run.folder, seed);
        await runWorkload(workload, run);
        expect(run.stepErrors).toEqual([]);
        expect(run.resolved.size).toBe(total);
        expect(await reopen(run.path)).toEqual(states[total]);
        probes.push(normalized(run));
      }
      const [calls, again] = probes as [string[], string[]];
      expect(again).toEqual(calls);

      const problems: string[] = [];
      const outcomes = new Map<Outcome, number>();
      let faults = 0;
      let lost = 0;
      let locksLeft = 0;
      for (let at = 1; at <= calls.length; at++) {
        const call = calls[at - 1] as string;
        for (const kind of faultKindsFor(call.split(" ")[0] as string)) {
          const run = newRun(await newFolder());
          await writeFiles(run.folder, seed);
          run.fileSystem.fault = { at, kind };
          await runWorkload(workload, run);
          faults += run.fileSystem.injected.length;
          const checked = await checkRun(workload, run, { at, kind }, calls, states);
          outcomes.set(checked.outcome, (outcomes.get(checked.outcome) ?? 0) + 1);
          if (checked.lost) lost += 1;
          if (checked.lockLeft) locksLeft += 1;
          for (const text of checked.problems) {
            problems.push(`call ${at} (${call}), ${kind}: ${text}`);
          }
          for (const name of await readdir(root)) {
            if (name === basename(run.folder) || name.startsWith(`${basename(run.folder)}-`)) {
              await rm(join(root, name), { recursive: true, force: true });
            }
          }
        }
      }
      totals.faults += faults;
      totals.calls += calls.length;
      totals.lost += lost;
      for (const [outcome, count] of outcomes) {
        totals.outcomes.set(outcome, (totals.outcomes.get(outcome) ?? 0) + count);
      }
      totals.locksLeft += locksLeft;
      console.log(
        `[faults] file target, ${workload.name}: ${faults} faults injected over ${calls.length} calls, ${lost} lost (${describeOutcomes(outcomes)}; ${locksLeft} lock files left for the next process)`,
      );
      expect(problems).toEqual([]);
    }, 120_000);
  }
});

function describeOutcomes(outcomes: Map<Outcome, number>): string {
  return [...outcomes].map(([outcome, count]) => `${count} ${outcome}`).join(", ");
}

describe("faults the enumeration found", () => {
  const eio = () => Object.assign(new Error("EIO: i/o error"), { code: "EIO" });

  it("keeps saves made after a checkpoint that could not sync the emptied journal", async () => {
    // The truncation happened, but its sync failed: appending at the old end of the
    // journal would leave a hole of zeros before the new records, read as damage.
    let armed = false;
    const fileSystem: FileSystem = {
      ...nodeFileSystem,
      async ftruncate(fd, length) {
        await nodeFileSystem.ftruncate(fd, length);
        if (armed && length === 0) {
          armed = false;
          throw eio();
        }
      },
    };
    const folder = await newFolder();
    const path = join(folder, DB);
    const adapter = await openSqlJsAdapter({ persistence: filePersistence(path, { fileSystem }) });
    await adapter.run("CREATE TABLE t (k TEXT PRIMARY KEY)");
    await adapter.run("INSERT INTO t VALUES ('before')");
    armed = true;
    await expect(adapter.checkpoint()).rejects.toThrow(`Cannot empty the journal ${path}`);
    await adapter.run("INSERT INTO t VALUES ('after')");
    const crashed = await crashCopy(folder);
    await adapter.close();
    const reopened = await openSqlJsAdapter({ persistence: filePersistence(crashed) });
    expect(await reopened.all("SELECT k FROM t ORDER BY k")).toEqual([
      { k: "after" },
      { k: "before" },
    ]);
    await reopened.close();
  });

  it("says so when close cannot remove the lock file, and the next process takes it over", async () => {
    const folder = await newFolder();
    const path = join(folder, DB);
    const fileSystem: FileSystem = {
      ...nodeFileSystem,
      async rm(target, options) {
        if (target === `${path}.lock`) throw eio();
        return nodeFileSystem.rm(target, options);
      },
    };
    const store = await openNegotiationStore({
      persistence: filePersistence(path, { fileSystem }),
    });
    await store.save(negotiation("kept"));
    const error = await store.close().catch((caught: unknown) => caught);
    expect(isNegotiationError(error, "STORAGE_FAILED")).toBe(true);
    expect((error as Error).message).toContain(`Cannot remove the lock file ${path}.lock`);
    expect((error as Error).message).toContain("EIO");
    // In this process, the lock still names it: a reopen is refused, saying why it may be.
    await expect(openNegotiationStore({ persistence: filePersistence(path) })).rejects.toThrow(
      `or a close here failed to remove ${path}.lock`,
    );
    // Once this process is gone, the next one takes the lock over.
    const lock = JSON.parse(await readFile(`${path}.lock`, "utf8"));
    await writeFile(`${path}.lock`, JSON.stringify({ ...lock, pid: await deadPid() }));
    expect((await reopen(path)).map((row) => row.thread_id)).toEqual(["kept"]);
  });
});
