import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { basename, join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqlJsAdapter } from "../../src/adapter/sql-js-adapter.js";
import type { SqlRow } from "../../src/adapter/storage-adapter.js";
import { isNegotiationError } from "../../src/errors/negotiation-error.js";
import {
  type FilePersistenceOptions,
  filePersistence,
  JOURNAL_SUFFIX,
} from "../../src/persistence/file-persistence.js";
import { type FileSystem, nodeFileSystem } from "../../src/persistence/file-system.js";
import { decodeJournal } from "../../src/persistence/journal-codec.js";
import { openNegotiationStore } from "../../src/store/open-negotiation-store.js";
import { copyAsCrashWould } from "../support/crash-copy.js";
import {
  type FaultKind,
  type FaultyFileSystem,
  faultKindsFor,
  faultyFileSystem,
  type InjectedFault,
} from "../support/faulty-file-system.js";
import { rebuildInThisThread } from "../support/in-thread-rebuilder.js";
import { negotiation } from "../support/negotiations.js";
import * as faultWorkload from "./fault-workload.js";

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

type Workload = faultWorkload.FaultWorkload<FilePersistenceOptions>;

const WORKLOADS: Workload[] = [
  ...faultWorkload.journalWorkloads("journal, checkpoint after every commit"),
  {
    // As its worker thread does, with the same code, but in this thread: the reads of the
    // file and journal it rebuilds from are file-system calls like the others.
    name: "journal, checkpoint after every commit, rebuilt from the file and journal",
    options: { checkpointBytes: 1, snapshotRebuilder: rebuildInThisThread },
    steps: faultWorkload.STEPS_WITHOUT_CHECKPOINT,
  },
  {
    name: "whole image",
    options: { journal: false },
    steps: faultWorkload.STEPS_WITHOUT_CHECKPOINT,
  },
];

const DB = "n.db";

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
    `[faults] file target: ${totals.faults} faults injected over ${totals.calls} calls of ${WORKLOADS.length} workloads, ${totals.lost} lost (${faultWorkload.describeOutcomes(totals.outcomes)}; ${totals.locksLeft} lock files left for the next process)`,
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
  const adapter = await faultWorkload.writeSeed(filePersistence(path));
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
  mkdirSync(copy);
  copyAsCrashWould(folder, copy);
  return join(copy, DB);
}

/** Opens a database with the real file system, as a restarted process would, and reads every row. */
async function reopen(path: string): Promise<SqlRow[]> {
  return faultWorkload.readAll(filePersistence(path));
}

/** One run of a workload on a folder of its own, and what it saw; copies are folders' paths. */
interface Run extends faultWorkload.WorkloadRun<InjectedFault, string> {
  readonly folder: string;
  readonly path: string;
  readonly fileSystem: FaultyFileSystem;
}

function newRun(folder: string): Run {
  const run: Run = {
    folder,
    path: join(folder, DB),
    fileSystem: faultyFileSystem(),
    ...faultWorkload.newWorkloadRun<InjectedFault, string>(),
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

/** Runs a workload on `run`'s faulty file system, recording what resolves and what rejects. */
function runWorkload(workload: Workload, run: Run): Promise<void> {
  return faultWorkload.driveWorkload(workload.steps, run, {
    persistence: () =>
      filePersistence(run.path, { ...workload.options, fileSystem: run.fileSystem }),
    copy: () => crashCopy(run.folder),
    settled: () => run.fileSystem.idle(),
  });
}

/** The table after each prefix of the workload's operations: states[i] after the first i. */
async function statesOf(workload: Workload): Promise<SqlRow[][]> {
  const folder = await newFolder();
  await writeFiles(folder, seed);
  return faultWorkload.referenceStates(
    filePersistence(join(folder, DB), workload.options),
    workload.steps,
  );
}

/** The calls of a run without what differs from run to run: its folder and temp file names. */
const normalized = (run: Run) =>
  run.fileSystem.calls.map((call) =>
    call.replaceAll(run.folder, "<folder>").replace(/[0-9a-f]{8}-[0-9a-f-]{27}/, "<uuid>"),
  );

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

interface Checked extends faultWorkload.CheckedRun<Outcome> {
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
  const checks = { states, same: isDeepStrictEqual, problem };
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
  const errors = faultWorkload.refusalsOf(run);
  faultWorkload.checkRefusals(errors, run.path, codeOf(fault.kind), problem);
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
  faultWorkload.checkRefusedOnward(run, errors, total, problem);

  // (b) The files at the moment of the fault hold every operation acknowledged by then.
  const read = () => reopen(crash.copy);
  if (await faultWorkload.checkCopyAtFault(checks, crash, "the crash copy", read)) lost = true;

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
  const readCopy = (copy: string) => reopen(copy).catch((error: Error) => error.message);
  const held = "a crash then would leave";
  if (await faultWorkload.checkAfterFault(checks, run.afterFault, readCopy, held)) lost = true;

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
    const at = faultWorkload.prefixOf(rows, states, acknowledged, run.issued, isDeepStrictEqual);
    if (at < 0) {
      lost ||= faultWorkload.prefixOf(rows, states, 0, total, isDeepStrictEqual) < acknowledged;
      problem(
        `(b) after a restart the database holds ${faultWorkload.describeRows(rows)}, not the state after ${acknowledged}..${run.issued} operations`,
      );
    }
    const store = await openNegotiationStore({ persistence: filePersistence(run.path) });
    await faultWorkload.checkKeepsASave(checks, store, "restart", rows, () => reopen(run.path));
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
      const states = await statesOf(workload);
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

      let locksLeft = 0;
      const { faults, lost, outcomes, problems } = await faultWorkload.injectEachFault(
        calls,
        faultKindsFor,
        async (at, kind) => {
          const run = newRun(await newFolder());
          await writeFiles(run.folder, seed);
          run.fileSystem.fault = { at, kind };
          await runWorkload(workload, run);
          const injected = run.fileSystem.injected.length;
          const checked = await checkRun(workload, run, { at, kind }, calls, states);
          if (checked.lockLeft) locksLeft += 1;
          for (const name of await readdir(root)) {
            if (name === basename(run.folder) || name.startsWith(`${basename(run.folder)}-`)) {
              await rm(join(root, name), { recursive: true, force: true });
            }
          }
          return { injected, checked };
        },
      );
      totals.faults += faults;
      totals.calls += calls.length;
      totals.lost += lost;
      for (const [outcome, count] of outcomes) {
        totals.outcomes.set(outcome, (totals.outcomes.get(outcome) ?? 0) + count);
      }
      totals.locksLeft += locksLeft;
      console.log(
        `[faults] file target, ${workload.name}: ${faults} faults injected over ${calls.length} calls, ${lost} lost (${faultWorkload.describeOutcomes(outcomes)}; ${locksLeft} lock files left for the next process)`,
      );
      expect(problems).toEqual([]);
      // Every call of the workload is failed in turn, each kind of fault: the writer's
      // checks of its lock and journal add calls, and a loaded machine needs the room.
    }, 300_000);
  }
});

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
