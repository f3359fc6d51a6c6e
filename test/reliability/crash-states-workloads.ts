import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { openSqlJsAdapter, type SqlJsAdapter } from "../../src/adapter/sql-js-adapter.js";
import { errorMessage } from "../../src/errors/negotiation-error.js";
import {
  type FilePersistenceOptions,
  filePersistence,
  JOURNAL_SUFFIX,
} from "../../src/persistence/file-persistence.js";
import type { FileSystem } from "../../src/persistence/file-system.js";
import { encodeJournalEntries } from "../../src/persistence/journal-codec.js";
import { NegotiationStateStore } from "../../src/store/negotiation-state-store.js";
import { initNegotiationStateTable } from "../../src/store/negotiation-state-table.js";
import { crashRecorder, type Recording } from "../support/crash-recorder.js";
import {
  allChoices,
  type CrashChoice,
  crashPoint,
  crashState,
  materialize,
  randomChoice,
} from "../support/crash-states.js";
import { negotiation, steppingClock } from "../support/negotiations.js";
import { seededRandom } from "../support/seeded-random.mjs";

/*
 * The workloads of the crash-state model (test/reliability/crash-states.test.ts), recorded
 * through test/support/crash-recorder.ts, and the check of each crash state: reopened by a
 * writer, it must equal the database after some prefix of the commits that holds every
 * acknowledged one and none not yet issued (so every acknowledged save is there with its
 * exact values, nothing never saved appears, and no transaction is half-applied).
 */

/** One thread's value: what a save wrote, as read back. */
interface Value {
  readonly state: string;
  readonly roundCount: number;
  readonly context: Record<string, unknown>;
}

type Contents = ReadonlyMap<string, Value>;

type Change = { readonly threadId: string; readonly value: Value | null };

/** One commit (a save, a delete, a transaction): its changes, when it was issued and acknowledged. */
interface Commit {
  readonly name: string;
  readonly changes: readonly Change[];
  readonly issuedAt: number;
  ackedAt: number | undefined;
}

type Op =
  | { readonly type: "save"; readonly threadId: string; readonly version: number }
  | { readonly type: "delete"; readonly threadId: string }
  | { readonly type: "transaction"; readonly ops: readonly Op[] };

type Step =
  | { readonly type: "ops"; readonly ops: readonly Op[] }
  | { readonly type: "checkpoint" | "close" };

/** A scripted workload: the file target's options, and what it does after it opens. */
export interface CrashWorkload {
  readonly name: string;
  readonly options: Pick<FilePersistenceOptions, "journal" | "checkpointBytes">;
  /** Leave a writer's crash with a torn last journal record behind, before recording. */
  readonly tornTail?: boolean;
  readonly steps: readonly Step[];
}

const save = (threadId: string, version = 1): Op => ({ type: "save", threadId, version });
const remove = (threadId: string): Op => ({ type: "delete", threadId });
const ops = (...list: Op[]): Step => ({ type: "ops", ops: list });

/** The workloads: each opens a database holding seed-1 and seed-2 first. */
export const CRASH_WORKLOADS: readonly CrashWorkload[] = [
  {
    name: "single saves",
    options: {},
    steps: [
      ops(save("a")),
      ops(save("b")),
      ops(save("a", 2)),
      ops(remove("seed-1")),
      { type: "close" },
    ],
  },
  {
    name: "concurrent bursts",
    options: {},
    steps: [
      ops(save("b1"), save("b2"), save("b3"), save("b4")),
      ops(save("b1", 2), save("b5"), remove("b2")),
      { type: "close" },
    ],
  },
  {
    name: "transactions",
    options: {},
    steps: [
      ops({ type: "transaction", ops: [save("t1"), save("t2"), remove("seed-2")] }),
      ops({ type: "transaction", ops: [save("t1", 2), save("t3")] }, save("t4")),
      { type: "close" },
    ],
  },
  {
    name: "checkpoints",
    options: { checkpointBytes: 24 * 1024 },
    steps: [
      ops(save("c1")),
      { type: "checkpoint" },
      ops(save("c2"), save("c3"), save("c4"), save("c5")),
      ops(save("c1", 2)),
      { type: "checkpoint" },
      ops(remove("c2")),
      { type: "close" },
    ],
  },
  {
    name: "recovery after a torn tail",
    options: {},
    tornTail: true,
    steps: [ops(save("r1")), ops(save("r2"), save("r3")), { type: "close" }],
  },
  {
    name: "whole image (journal: false)",
    options: { journal: false },
    steps: [
      ops(save("w1")),
      ops(save("w2"), save("w3")),
      ops({ type: "transaction", ops: [save("w4"), remove("seed-1")] }),
      { type: "close" },
    ],
  },
];

/** Each context carries a filler, so that a record spans several 512-byte and 4 KiB pages. */
const FILLER_BYTES = 2500;

function savedValue(threadId: string, version: number): Value {
  return {
    state: "awaiting_reply",
    roundCount: 1,
    context: {
      thread: threadId,
      version,
      filler: `${threadId}/${version}:`.padEnd(FILLER_BYTES, "x"),
    },
  };
}

function changesOf(op: Op): Change[] {
  if (op.type === "save")
    return [{ threadId: op.threadId, value: savedValue(op.threadId, op.version) }];
  if (op.type === "delete") return [{ threadId: op.threadId, value: null }];
  return op.ops.flatMap(changesOf);
}

const SEEDS = ["seed-1", "seed-2"];

/** A workload's run: what it recorded, and its commits in the order they were sequenced. */
export interface RecordedRun {
  readonly workload: CrashWorkload;
  readonly recording: Recording;
  readonly initial: Contents;
  readonly commits: readonly Commit[];
  readonly events: number;
}

/**
 * Runs a workload on a database in a new folder under `root`, recording its calls.
 *
 * @param mutate - Wraps the recording file system, as a bug in the package would behave.
 */
export async function recordWorkload(
  root: string,
  workload: CrashWorkload,
  mutate: (fs: FileSystem) => FileSystem = (fs) => fs,
): Promise<RecordedRun> {
  const folder = await mkdtemp(join(root, "recorded-"));
  const path = join(folder, "n.db");
  const initial = new Map<string, Value>();
  {
    // Seeds, written and closed before recording: durable.
    const adapter = await openSqlJsAdapter({
      persistence: filePersistence(path, workload.options),
    });
    await initNegotiationStateTable(adapter);
    const store = new NegotiationStateStore(adapter, {
      clock: steppingClock("2026-03-01T08:00:00Z", 60),
    });
    for (const threadId of SEEDS) {
      await store.save(
        negotiation(threadId, ["send_offer"], { context: savedValue(threadId, 1).context }),
      );
      initial.set(threadId, savedValue(threadId, 1));
    }
    if (workload.tornTail) await leaveTornTail(path, store, adapter, initial);
    else await adapter.close();
  }
  const recorder = crashRecorder(folder);
  const fileSystem = mutate(recorder.fileSystem);
  const commits: Commit[] = [];
  const adapter = await openSqlJsAdapter({
    persistence: filePersistence(path, { ...workload.options, fileSystem }),
  });
  const store = new NegotiationStateStore(adapter, {
    clock: steppingClock("2026-03-02T08:00:00Z", 60),
  });
  const perform = (op: Op): Promise<unknown> => {
    if (op.type === "save") {
      const { context } = savedValue(op.threadId, op.version);
      return store.save(negotiation(op.threadId, ["send_offer"], { context }));
    }
    if (op.type === "delete") return store.delete(op.threadId);
    return store.transaction(async (tx) => {
      for (const inner of op.ops) {
        if (inner.type === "save") {
          const { context } = savedValue(inner.threadId, inner.version);
          await tx.save(negotiation(inner.threadId, ["send_offer"], { context }));
        } else if (inner.type === "delete") await tx.delete(inner.threadId);
      }
    });
  };
  for (const step of workload.steps) {
    if (step.type === "checkpoint") await adapter.checkpoint();
    else if (step.type === "close") await adapter.close();
    else if (step.type === "ops") {
      // Issued together (Promise.all), in this order, which is the order they are sequenced in.
      await Promise.all(
        step.ops.map((op) => {
          const commit: Commit = {
            name: op.type === "transaction" ? "a transaction" : `${op.type} ${op.threadId}`,
            changes: changesOf(op),
            issuedAt: recorder.events(),
            ackedAt: undefined,
          };
          commits.push(commit);
          return perform(op).then(() => {
            commit.ackedAt = recorder.events();
          });
        }),
      );
    }
  }
  recorder.verify();
  await rm(folder, { recursive: true, force: true });
  return { workload, recording: recorder.recording, initial, commits, events: recorder.events() };
}

/**
 * Leaves what a writer killed during an append leaves: its lock, and after its acknowledged
 * records the first part of one more (thread `torn`, never acknowledged).
 */
async function leaveTornTail(
  path: string,
  store: NegotiationStateStore,
  adapter: SqlJsAdapter,
  initial: Map<string, Value>,
): Promise<void> {
  for (const threadId of ["x1", "x2"]) {
    await store.save(
      negotiation(threadId, ["send_offer"], { context: savedValue(threadId, 1).context }),
    );
    initial.set(threadId, savedValue(threadId, 1));
  }
  const aside = `${path}.crashed`;
  await mkdir(aside);
  const folder = join(path, "..");
  for (const name of await readdir(folder)) {
    if (name !== "n.db.crashed") await copyFile(join(folder, name), join(aside, name));
  }
  await adapter.close();
  for (const name of await readdir(aside)) await copyFile(join(aside, name), join(folder, name));
  await rm(aside, { recursive: true });
  const journalFile = `${path}${JOURNAL_SUFFIX}`;
  const journal = new Uint8Array(await readFile(journalFile));
  const records = journal.length - trailingZeros(journal);
  const torn = encodeJournalEntries([
    { sequence: 1_000_000, statements: [{ sql: "DELETE FROM negotiation_state", params: [] }] },
  ]);
  // Cut in its SQL: its last bytes (a count of no values) are zeros, like the file after it.
  journal.set(torn.subarray(0, torn.length - 8), records);
  await writeFile(journalFile, journal);
  // The lock names this process, which is alive: make it a lock its dead holder left.
  const lock = JSON.parse(await readFile(`${path}.lock`, "utf8")) as { boot?: string | null };
  lock.boot = `an-earlier-boot-${lock.boot}`;
  await writeFile(`${path}.lock`, JSON.stringify(lock));
}

function trailingZeros(bytes: Uint8Array): number {
  let count = 0;
  while (count < bytes.length && bytes[bytes.length - 1 - count] === 0) count++;
  return count;
}

/** What a crash state held when reopened, or why it was refused. */
type Reopened = { readonly contents: Contents } | { readonly refusal: string };

/** The contents after each prefix of the commits: `[initial, after 1, after 2, ...]`. */
function prefixes(run: RecordedRun): Contents[] {
  const all: Contents[] = [run.initial];
  let contents = new Map(run.initial);
  for (const commit of run.commits) {
    contents = new Map(contents);
    for (const { threadId, value } of commit.changes) {
      if (value === null) contents.delete(threadId);
      else contents.set(threadId, value);
    }
    all.push(contents);
  }
  return all;
}

/** What one crash state broke; empty when it kept every promise. */
export interface Violation {
  readonly point: number;
  readonly call: string;
  /** Which folder changes happened and how each unsynced write landed. */
  readonly state: string;
  readonly problem: string;
}

/** The figures of one workload's crash states. */
export interface CrashSummary {
  readonly workload: string;
  readonly calls: number;
  readonly points: number;
  readonly built: number;
  readonly distinct: number;
  readonly ackedChecked: number;
  readonly refusals: number;
  /** Crash states that lost an acknowledged save, and the saves lost in all. */
  readonly losses: number;
  readonly lostSaves: number;
  readonly violations: readonly Violation[];
}

/**
 * Builds crash states of a recorded run until `distinctTarget` distinct ones were reopened
 * (or the attempts run out), reopens each with the real package, and checks it.
 *
 * @param root - Where the states are written (and removed once checked).
 * @param seed - Seeds the choice of crash points and states.
 * @param enumerateUpTo - At each crash point, every state is built when there are at most
 *   this many (changes whole, dropped, or by 4 KiB pages); otherwise one at random.
 */
export async function checkCrashStates(
  run: RecordedRun,
  root: string,
  distinctTarget: number,
  seed: number,
  enumerateUpTo = 4,
): Promise<CrashSummary> {
  const random = seededRandom(seed);
  const expected = prefixes(run);
  const reopened = new Map<string, Reopened>();
  const violations: Violation[] = [];
  let built = 0;
  let ackedChecked = 0;
  let refusals = 0;
  let losses = 0;
  let lostSaves = 0;
  const folder = await mkdtemp(join(root, "state-"));
  let states = 0;

  const check = async (point: number, choice: CrashChoice, at: ReturnType<typeof crashPoint>) => {
    const state = crashState(at, choice);
    built++;
    let result = reopened.get(state.digest);
    if (result === undefined) {
      const where = join(folder, `s${++states}`);
      await materialize(where, state, "n.db.lock");
      result = await reopen(join(where, "n.db"), run.workload);
      await rm(where, { recursive: true, force: true });
      reopened.set(state.digest, result);
    }
    const acked = run.commits.filter(
      (commit) => commit.ackedAt !== undefined && commit.ackedAt <= point,
    );
    const ackedCount = acked.length;
    const issued = run.commits.filter((commit) => commit.issuedAt <= point).length;
    ackedChecked += acked.reduce((sum, commit) => sum + commit.changes.length, 0);
    const call = run.recording.calls[point - 1] ?? "(before the first call)";
    const described = describe(at, choice);
    if ("refusal" in result) {
      refusals++;
      violations.push({ point, call, state: described, problem: `refused: ${result.refusal}` });
      return;
    }
    const found = result.contents;
    const matches = expected.some(
      (contents, prefix) =>
        prefix >= ackedCount && prefix <= issued && isDeepStrictEqual(contents, found),
    );
    if (matches) return;
    const lost = lostAcknowledged(
      expected[ackedCount] as Contents,
      found,
      run.commits.slice(ackedCount, issued),
    );
    if (lost.length > 0) {
      losses++;
      lostSaves += lost.length;
    }
    violations.push({
      point,
      call,
      state: described,
      problem:
        lost.length > 0
          ? `lost acknowledged: ${lost.join(", ")}`
          : `holds no prefix of the commits from ${ackedCount} to ${issued}: ${[...found.keys()].sort().join(", ")}`,
    });
  };

  // Every crash point once (all its states when they are few), then, at random, the points
  // with more states than that, until enough distinct states were reopened.
  const rich: ReturnType<typeof crashPoint>[] = [];
  for (let point = 0; point <= run.events; point++) {
    const at = crashPoint(run.recording, point);
    const every = allChoices(at, enumerateUpTo);
    if (every === undefined) rich.push(at);
    for (const choice of every ?? [randomChoice(at, random)]) await check(point, choice, at);
  }
  for (
    let attempt = 0;
    rich.length > 0 && reopened.size < distinctTarget && attempt < distinctTarget * 20;
    attempt++
  ) {
    const at = rich[Math.floor(random() * rich.length)] as ReturnType<typeof crashPoint>;
    await check(at.point, randomChoice(at, random), at);
  }
  await rm(folder, { recursive: true, force: true });
  return {
    workload: run.workload.name,
    calls: run.events,
    points: run.events + 1,
    built,
    distinct: reopened.size,
    ackedChecked,
    refusals,
    losses,
    lostSaves,
    violations,
  };
}

/** A crash state in words: the folder changes that happened, how each unsynced change landed. */
function describe(at: ReturnType<typeof crashPoint>, choice: CrashChoice): string {
  const entries = at.entryChanges
    .map(
      (change, index) =>
        `${change.type} ${change.name} ${choice.entries[index] ? "happened" : "lost"}`,
    )
    .join("; ");
  const files = [...at.files]
    .flatMap(([inode, file]) =>
      file.changes.map((change, index) => {
        const landing = choice.landings.get(inode)?.[index] ?? { kind: "dropped" };
        const what =
          change.type === "write"
            ? `write of ${change.bytes.length} bytes at ${change.position} (call ${change.event})`
            : `truncation to ${change.length} (call ${change.event})`;
        const how =
          landing.kind === "cut"
            ? `cut after ${landing.length} bytes`
            : landing.kind === "pages"
              ? `${landing.landed.filter(Boolean).length} of ${landing.landed.length} ${landing.pageSize}-byte pages landed`
              : landing.kind;
        return `inode ${inode}: ${what} ${how}`;
      }),
    )
    .join("; ");
  return `${entries || "no folder change pending"}; ${files || "no file change pending"}`;
}

/** The acknowledged changes missing from `found`, unless a later issued commit explains them. */
function lostAcknowledged(acked: Contents, found: Contents, later: readonly Commit[]): string[] {
  const lost: string[] = [];
  const threads = new Set([...acked.keys(), ...found.keys()]);
  for (const threadId of threads) {
    const want = acked.get(threadId) ?? null;
    const have = found.get(threadId) ?? null;
    if (isDeepStrictEqual(want, have)) continue;
    const explained = later.some((commit) =>
      commit.changes.some(
        (change) => change.threadId === threadId && isDeepStrictEqual(change.value, have),
      ),
    );
    if (!explained && want !== null)
      lost.push(`${threadId} (version ${String(want.context.version)})`);
    else if (!explained) lost.push(`the delete of ${threadId}`);
  }
  return lost;
}

/** Opens a crash state as a writer, as the next process would, and reads every row. */
async function reopen(path: string, workload: CrashWorkload): Promise<Reopened> {
  let adapter: SqlJsAdapter;
  try {
    adapter = await openSqlJsAdapter({
      persistence: filePersistence(path, { journal: workload.options.journal ?? true }),
    });
  } catch (error) {
    return { refusal: errorMessage(error) };
  }
  try {
    const rows = await adapter.all<{
      thread_id: string;
      state: string;
      round_count: number;
      context_json: string;
    }>("SELECT thread_id, state, round_count, context_json FROM negotiation_state");
    return {
      contents: new Map(
        rows.map((row) => [
          row.thread_id,
          { state: row.state, roundCount: row.round_count, context: JSON.parse(row.context_json) },
        ]),
      ),
    };
  } catch (error) {
    return { refusal: `opened, but reading failed: ${errorMessage(error)}` };
  } finally {
    await adapter.close();
  }
}

/**
 * The mutation the model must catch: a file system whose data syncs of the journal do
 * nothing, so the bytes they should have made durable never are.
 */
export function withoutJournalDataSync(fs: FileSystem): FileSystem {
  const journals = new Set<number>();
  return {
    ...fs,
    async open(path, flags) {
      const fd = await fs.open(path, flags);
      if (path.endsWith(JOURNAL_SUFFIX)) journals.add(fd);
      else journals.delete(fd);
      return fd;
    },
    async fdatasync(fd) {
      if (!journals.has(fd)) await fs.fdatasync(fd);
    },
  };
}

/** A folder for crash states: tmpfs where there is one, since each reopen syncs. */
export async function crashRoot(): Promise<string> {
  const base = await readdir("/dev/shm").then(
    () => "/dev/shm",
    () => tmpdir(),
  );
  return mkdtemp(join(base, "negotiation-state-crash-"));
}

/** One line of figures, for the test output and the README. */
export function summaryLine(summary: CrashSummary): string {
  return `${summary.workload}: ${summary.calls} calls, ${summary.points} crash points, ${summary.built} states built, ${summary.distinct} distinct reopened, ${summary.ackedChecked} acknowledged saves checked, ${summary.refusals} refusals, ${summary.losses} states with losses (${summary.lostSaves} saves lost)`;
}
