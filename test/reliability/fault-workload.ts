import { openSqlJsAdapter, type SqlJsAdapter } from "../../src/adapter/sql-js-adapter.js";
import type { SqlRow } from "../../src/adapter/storage-adapter.js";
import { isNegotiationError } from "../../src/errors/negotiation-error.js";
import type { Persistence } from "../../src/persistence/persistence.js";
import {
  type NegotiationInput,
  type NegotiationStateOperations,
  NegotiationStateStore,
} from "../../src/store/negotiation-state-store.js";
import { initNegotiationStateTable } from "../../src/store/negotiation-state-table.js";
import { negotiation, steppingClock } from "../support/negotiations.js";

/*
 * The scripted workload of the fault-injection tests, what drives it, and the checks that do
 * not depend on the target. test/reliability/file-faults.test.ts runs it in Node and
 * test/reliability/indexed-db-faults.browser.test.ts in Chromium, so nothing here imports
 * `node:*`. Each test keeps its own target: how it opens a persistence, injects a fault, and
 * copies what a crash would leave.
 */

export type Op =
  | { readonly type: "save"; readonly input: NegotiationInput }
  | { readonly type: "delete"; readonly threadId: string }
  | { readonly type: "transaction"; readonly ops: readonly Op[] };

export type Step =
  | { readonly type: "open" | "checkpoint" | "close" }
  | { readonly type: "ops"; readonly name: string; readonly ops: readonly Op[] };

/** A named list of steps, and the options of the persistence its "open" step opens. */
export interface FaultWorkload<Options> {
  readonly name: string;
  readonly options: Options;
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

/** Open a crashed database; a save; three concurrent saves; a transaction; a delete. */
const OPS_BEFORE_CHECKPOINT: readonly Step[] = [
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

/** A save; a save, a delete and a save made together; close. */
const OPS_AFTER_CHECKPOINT: readonly Step[] = [
  { type: "ops", name: "a save after", ops: [save("f")] },
  {
    type: "ops",
    name: "concurrent save, delete, save",
    ops: [save("c", ["send_offer", "receive_reply", "send_counter"]), remove("d"), save("g")],
  },
  { type: "close" },
];

/** The operations, with only the checkpoints the target makes by itself. */
export const STEPS_WITHOUT_CHECKPOINT: readonly Step[] = [
  ...OPS_BEFORE_CHECKPOINT,
  ...OPS_AFTER_CHECKPOINT,
];

/**
 * The workloads of a target that keeps a journal: with a checkpoint of the caller's between
 * the two halves, and with one after every commit.
 *
 * @param everyCommit - The name of the second workload, as its test calls it.
 */
export function journalWorkloads(
  everyCommit: string,
): FaultWorkload<{ readonly checkpointBytes?: number }>[] {
  return [
    {
      name: "journal",
      options: {},
      steps: [...OPS_BEFORE_CHECKPOINT, { type: "checkpoint" }, ...OPS_AFTER_CHECKPOINT],
    },
    { name: everyCommit, options: { checkpointBytes: 1 }, steps: STEPS_WITHOUT_CHECKPOINT },
  ];
}

const SELECT_ALL = "SELECT * FROM negotiation_state ORDER BY thread_id";

/**
 * Opens `persistence` and leaves in it what a writer that crashed would: seed-1..3 in the
 * snapshot, then seed-2's update and seed-4 after it.
 *
 * @returns The adapter, still open: the caller copies what it wrote, then closes it.
 */
export async function writeSeed(persistence: Persistence): Promise<SqlJsAdapter> {
  const adapter = await openSqlJsAdapter({ persistence });
  await initNegotiationStateTable(adapter);
  const store = new NegotiationStateStore(adapter, {
    clock: steppingClock("2026-03-01T08:00:00Z", 60),
  });
  for (const threadId of ["seed-1", "seed-2", "seed-3"]) await store.save(negotiation(threadId));
  await adapter.checkpoint();
  await store.save(negotiation("seed-2", ["send_offer", "receive_reply"]));
  await store.save(negotiation("seed-4"));
  return adapter;
}

/** Opens `persistence` as a restarted process or a new tab would, and reads every row. */
export async function readAll(persistence: Persistence): Promise<SqlRow[]> {
  const adapter = await openSqlJsAdapter({ persistence });
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

/** The fault, the step it struck in, and what a crash at that moment would leave (`copy`). */
export interface Crash<Fault, Copy> {
  readonly fault: Fault;
  readonly step: string;
  readonly copy: Copy;
  /** The last operation acknowledged, and the last issued, when the fault struck. */
  readonly acknowledged: number;
  readonly issued: number;
  /** The call of the persistence's `checkpoint` under way when the fault struck. */
  readonly checkpoint: number | undefined;
}

/** After the fault, at the end of a step: what the store read, and what a crash then would leave. */
export interface AfterFault<Copy> {
  readonly step: string;
  readonly rows: SqlRow[];
  readonly issued: number;
  readonly copy: Copy;
}

/**
 * One run of a workload, and what it saw.
 *
 * `Copy` is what a crash at a moment would leave of the target's database; `CrashCopy`, the
 * same taken at the fault.
 */
export interface WorkloadRun<Fault, Copy, CrashCopy = Copy> {
  step: string;
  /** How many operations were issued (they are numbered 1, 2, ... in the order they commit). */
  issued: number;
  readonly resolved: Set<number>;
  readonly rejected: Map<number, unknown>;
  readonly stepErrors: { readonly step: string; readonly error: unknown }[];
  /** How many times the persistence's `checkpoint` was called, and which call is under way. */
  checkpoints: number;
  inCheckpoint: number | undefined;
  crash?: Crash<Fault, CrashCopy>;
  /** After the fault, at the end of each step while the store still answers reads. */
  readonly afterFault: AfterFault<Copy>[];
}

/** A run that has not started. */
export function newWorkloadRun<Fault, Copy, CrashCopy = Copy>(): WorkloadRun<
  Fault,
  Copy,
  CrashCopy
> {
  return {
    step: "",
    issued: 0,
    resolved: new Set(),
    rejected: new Map(),
    stepErrors: [],
    checkpoints: 0,
    inCheckpoint: undefined,
    afterFault: [],
  };
}

/** How a run reaches its target's database. */
export interface WorkloadTarget<Copy> {
  /** The persistence the "open" step opens, with the workload's options and the injected faults. */
  persistence(): Persistence;
  /** What a crash at this moment would leave of the database. */
  copy(): Promise<Copy>;
  /**
   * Resolves once what a step set going in the background (a checkpoint) is done, so that
   * every run makes its calls in the same order, and a fault numbered in a counting run
   * strikes the same call.
   */
  settled?(): Promise<void>;
}

/** Notes which checkpoint (`checkpoint` or `checkpointFromStored` call) a fault strikes in. */
function tracked(
  persistence: Persistence,
  run: Pick<WorkloadRun<unknown, unknown>, "checkpoints" | "inCheckpoint">,
): Persistence {
  const fromStored = persistence.checkpointFromStored?.bind(persistence);
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
    ...(fromStored && {
      checkpointFromStored(sequence: number) {
        // Counted before the call: its first file-system call is made before it returns.
        run.inCheckpoint = ++run.checkpoints;
        const started = fromStored(sequence);
        if (started === undefined) {
          run.checkpoints--;
          run.inCheckpoint = undefined;
          return undefined;
        }
        return started.finally(() => {
          run.inCheckpoint = undefined;
        });
      },
    }),
  };
}

/** Runs `steps` on `target`, recording in `run` what resolves and what rejects. */
export async function driveWorkload<Copy>(
  steps: readonly Step[],
  run: WorkloadRun<unknown, Copy, unknown>,
  target: WorkloadTarget<Copy>,
): Promise<void> {
  let adapter: SqlJsAdapter | undefined;
  let store: NegotiationStateStore | undefined;
  const stepFailed = (error: unknown) => run.stepErrors.push({ step: run.step, error });
  for (const step of steps) {
    run.step = step.type === "ops" ? step.name : step.type;
    if (step.type === "open") {
      // What openNegotiationStore does, keeping the adapter to call checkpoint() on.
      try {
        const opened = await openSqlJsAdapter({ persistence: tracked(target.persistence(), run) });
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
    await target.settled?.();
    if (run.crash && adapter && step.type !== "close") {
      const rows = await adapter.all(SELECT_ALL).catch(() => undefined);
      if (rows) {
        const copy = await target.copy();
        run.afterFault.push({ step: run.step, rows, issued: run.issued, copy });
      }
    }
  }
}

/**
 * The table after each prefix of the operations of `steps`, run without faults on
 * `persistence`: states[i] after the first i.
 */
export async function referenceStates(
  persistence: Persistence,
  steps: readonly Step[],
): Promise<SqlRow[][]> {
  const adapter = await openSqlJsAdapter({ persistence });
  await initNegotiationStateTable(adapter);
  const store = new NegotiationStateStore(adapter, {
    clock: steppingClock("2026-03-02T09:00:00Z", 1),
    ownsAdapter: true,
  });
  const states = [await adapter.all(SELECT_ALL)];
  for (const step of steps) {
    if (step.type !== "ops") continue;
    for (const op of step.ops) {
      await perform(store, op);
      states.push(await adapter.all(SELECT_ALL));
    }
  }
  await store.close();
  return states;
}

/** How a test compares rows: each keeps the comparison it has always made. */
export type Same = (a: unknown, b: unknown) => boolean;

/** The index of the state `rows` equals among states[from..to], or -1. */
export function prefixOf(
  rows: SqlRow[],
  states: SqlRow[][],
  from: number,
  to: number,
  same: Same,
): number {
  for (let i = from; i <= to; i++) if (same(rows, states[i])) return i;
  return -1;
}

/** Rows as `thread:state,...`, for a problem's text. */
export const describeRows = (rows: SqlRow[]) =>
  rows.map((row) => `${String(row.thread_id)}:${String(row.state)}`).join(",");

/** How many runs came out each way, as `3 refused, 1 moot`. */
export function describeOutcomes(outcomes: ReadonlyMap<string, number>): string {
  return [...outcomes].map(([outcome, count]) => `${count} ${outcome}`).join(", ");
}

/** A step or an operation that rejected, and its error. */
export interface Refusal {
  readonly where: string;
  readonly error: unknown;
}

/** What a run refused: its failed steps, then its rejected operations. */
export function refusalsOf(run: WorkloadRun<unknown, unknown, unknown>): Refusal[] {
  return [
    ...run.stepErrors.map(({ step, error }) => ({ where: step, error })),
    ...[...run.rejected].map(([number, error]) => ({ where: `operation ${number}`, error })),
  ];
}

/**
 * (a) Every refusal is a NegotiationError naming the database and the cause.
 *
 * @param location - What the message must name the database as.
 * @param cause - What the message must name the cause as (an error code or a DOMException's name).
 */
export function checkRefusals(
  refusals: readonly Refusal[],
  location: string,
  cause: string,
  problem: (text: string) => void,
): void {
  for (const { where, error } of refusals) {
    const message = error instanceof Error ? error.message : String(error);
    if (!isNegotiationError(error)) {
      problem(
        `(a) ${where} rejected with a ${(error as Error)?.name}, not a NegotiationError: ${message}`,
      );
    } else if (!message.includes(location)) {
      problem(`(a) ${where}: the error does not name ${location}: ${message}`);
    } else if (!message.includes(cause)) {
      problem(`(a) ${where}: the error does not name ${cause}: ${message}`);
    }
  }
}

/**
 * (d) Once an operation is refused, every later one is too: none resolves after it. With
 * nothing refused, all `total` operations resolve.
 */
export function checkRefusedOnward(
  run: WorkloadRun<unknown, unknown, unknown>,
  refusals: readonly Refusal[],
  total: number,
  problem: (text: string) => void,
): void {
  const firstRejected = Math.min(...run.rejected.keys());
  for (const number of run.resolved) {
    if (number > firstRejected) {
      problem(`(d) operation ${number} resolved after ${firstRejected} was refused`);
    }
  }
  if (refusals.length === 0 && run.resolved.size !== total) {
    problem(
      `(d) nothing was refused, yet only ${run.resolved.size} of ${total} operations resolved`,
    );
  }
}

/** What the checks of a run compare with, and how they report a problem. */
export interface RunChecks {
  /** The table after each prefix of the operations: states[i] after the first i. */
  readonly states: SqlRow[][];
  readonly same: Same;
  readonly problem: (text: string) => void;
}

/**
 * (b) A copy of the database taken at the fault holds the state after a prefix of the
 * operations that includes every one acknowledged by then.
 *
 * @param named - What the copy is called in a problem: "the crash copy".
 * @param read - Reopens the copy and reads every row.
 * @returns Whether an acknowledged operation is lost.
 */
export async function checkCopyAtFault(
  { states, same, problem }: RunChecks,
  crash: Pick<Crash<unknown, unknown>, "acknowledged" | "issued">,
  named: string,
  read: () => Promise<SqlRow[]>,
): Promise<boolean> {
  const total = states.length - 1;
  let lost = false;
  try {
    const rows = await read();
    if (prefixOf(rows, states, crash.acknowledged, crash.issued, same) < 0) {
      lost ||= prefixOf(rows, states, 0, total, same) < crash.acknowledged;
      problem(
        `(b) ${named} holds ${describeRows(rows)}, not the state after ${crash.acknowledged}..${crash.issued} operations`,
      );
    }
  } catch (error) {
    lost = true;
    problem(`(b) ${named} does not open: ${(error as Error).message}`);
  }
  return lost;
}

/**
 * (c) While the store answers reads after the fault, it answers, at the end of each later
 * step, the state after the operations issued by then, and what a copy taken then holds.
 *
 * @param read - Reopens a copy and reads every row, or says why it does not open.
 * @param held - How a problem says what the copy holds: "a crash then would leave".
 * @returns Whether an acknowledged operation is lost.
 */
export async function checkAfterFault<Copy>(
  { states, same, problem }: RunChecks,
  afterFault: readonly AfterFault<Copy>[],
  read: (copy: Copy) => Promise<SqlRow[] | string>,
  held: string,
): Promise<boolean> {
  let lost = false;
  for (const { step, rows, issued, copy } of afterFault) {
    if (!same(rows, states[issued])) {
      problem(
        `(c) after "${step}" the store read ${describeRows(rows)}, not the state after its ${issued} operations`,
      );
    }
    const durable = await read(copy);
    if (!same(durable, rows)) {
      lost = true;
      problem(
        `(c) after "${step}" the store read ${describeRows(rows)}, but ${held} ${typeof durable === "string" ? durable : describeRows(durable)}`,
      );
    }
  }
  return lost;
}

/**
 * (d) A store opened after the run keeps what it is given: once it saved `after-<word>` and
 * closed, a reopen finds that save and the `rows` found before it.
 *
 * @param word - What the test calls opening after the run: "restart", "reopen".
 * @param read - Reopens the database and reads every row.
 */
export async function checkKeepsASave(
  { same, problem }: RunChecks,
  store: NegotiationStateStore,
  word: string,
  rows: SqlRow[],
  read: () => Promise<SqlRow[]>,
): Promise<void> {
  const threadId = `after-${word}`;
  await store.save(negotiation(threadId));
  await store.close();
  const after = await read();
  const others = after.filter((row) => row.thread_id !== threadId);
  if (!same(others, rows) || after.length !== rows.length + 1) {
    problem(`(d) a save after the ${word} was not kept`);
  }
}

/** What the checks of a run with one fault found. */
export interface CheckedRun<Outcome extends string> {
  readonly outcome: Outcome;
  readonly problems: readonly string[];
  /** Whether an acknowledged operation was lost. */
  readonly lost: boolean;
}

/** What the runs of one workload with a fault came to. */
export interface FaultTally<Outcome extends string> {
  /** How many faults were injected, and in how many runs something was lost. */
  faults: number;
  lost: number;
  /** How many runs came out each way. */
  readonly outcomes: Map<Outcome, number>;
  /** Each run's problems, prefixed with the call and the fault kind. */
  readonly problems: string[];
}

/**
 * Runs a workload again for every call of its counting run and every fault kind that applies
 * to that call, with that fault at that call, and tallies what the runs came to.
 *
 * @param calls - The calls of the counting run, each starting with the name of what was called.
 * @param kindsFor - The fault kinds that apply to a call of that name.
 * @param runWith - Runs the workload with `kind` at call `at`, checks the run, and clears up
 *   after it; returns how many faults were injected, and what the checks found.
 * @param afterCall - Clears up after the runs of one call.
 */
export async function injectEachFault<Kind extends string, Outcome extends string>(
  calls: readonly string[],
  kindsFor: (name: string) => readonly Kind[],
  runWith: (
    at: number,
    kind: Kind,
  ) => Promise<{ readonly injected: number; readonly checked: CheckedRun<Outcome> }>,
  afterCall?: () => Promise<void>,
): Promise<FaultTally<Outcome>> {
  const tally: FaultTally<Outcome> = { faults: 0, lost: 0, outcomes: new Map(), problems: [] };
  for (let at = 1; at <= calls.length; at++) {
    const call = calls[at - 1] as string;
    for (const kind of kindsFor(call.split(" ")[0] as string)) {
      const { injected, checked } = await runWith(at, kind);
      tally.faults += injected;
      tally.outcomes.set(checked.outcome, (tally.outcomes.get(checked.outcome) ?? 0) + 1);
      if (checked.lost) tally.lost += 1;
      for (const text of checked.problems) {
        tally.problems.push(`call ${at} (${call}), ${kind}: ${text}`);
      }
    }
    if (afterCall) await afterCall();
  }
  return tally;
}
