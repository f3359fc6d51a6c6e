import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { openSqlJsAdapter, type SqlJsAdapter } from "../../src/adapter/sql-js-adapter.js";
import type { SqlRow } from "../../src/adapter/storage-adapter.js";
import { isNegotiationError } from "../../src/domain/errors.js";
import {
  type IndexedDbPersistenceOptions,
  indexedDbPersistence,
} from "../../src/persistence/indexed-db-persistence.js";
import type { Persistence } from "../../src/persistence/persistence.js";
import {
  type NegotiationInput,
  type NegotiationStateOperations,
  NegotiationStateStore,
} from "../../src/store/negotiation-state-store.js";
import { initNegotiationStateTable } from "../../src/store/negotiation-state-table.js";
import { openNegotiationStore } from "../../src/store/open-negotiation-store.js";
import { negotiation, steppingClock } from "../support/negotiations.js";

/*
 * Issue 5, item 2, in IndexedDB (Chromium): the same method as the file target's
 * test/reliability/file-faults.test.ts. The IndexedDB calls the target makes on its
 * database (indexedDB.open, IDBDatabase.transaction, and put, get, getAll, getAllKeys,
 * clear on its object stores) and its Web Lock request are wrapped and counted; a scripted
 * workload runs once to learn them, then once per call and fault kind with that call
 * failing, and each run is checked:
 *
 * (a) what met the fault rejects with a NegotiationError naming the database and the
 *     DOMException's name (QuotaExceededError, UnknownError, ...), or the fault struck a
 *     checkpoint the adapter started by itself and a later one succeeded;
 * (b) the database as the failing call's transaction left it (read, through a connection
 *     of the harness's own, by a transaction created at the fault, then copied: what a tab
 *     killed then leaves) holds the state after a prefix of the operations that includes
 *     every one acknowledged by then; reopened after the run, it holds exactly the
 *     acknowledged ones, since a transaction commits whole or not at all; a failed open
 *     changes nothing;
 * (c) while the store answers reads after the fault, it answers, at the end of each later
 *     step, what the database then holds;
 * (d) the store goes on, or refuses every later operation; a reopen keeps what it is given.
 */

/**
 * - `throws`: the call throws a DOMException at once, as a call on a closing connection
 *   (InvalidStateError) or a put of an uncloneable value (DataCloneError) does;
 * - `aborts`: the call is made, then its transaction aborts with QuotaExceededError (a
 *   write) or UnknownError (a read), as Chrome does when the disk is full or a read of the
 *   backing store fails; for `indexedDB.open`, the request fails with UnknownError;
 * - `rejects` (the Web Lock request): the lock manager fails.
 */
type FaultKind = "throws" | "aborts" | "rejects";

const faultKindsFor = (name: string): FaultKind[] =>
  name === "locks.request" ? ["rejects"] : ["throws", "aborts"];

interface InjectedFault {
  readonly at: number;
  readonly call: string;
  readonly kind: FaultKind;
  /** The DOMException's name, which the error must carry. */
  readonly errorName: string;
}

/** Counts and fails the IndexedDB calls made on one database. */
interface Injector {
  /** The database whose calls are counted; `undefined` counts none. */
  target: string | undefined;
  calls: string[];
  fault: { readonly at: number; readonly kind: FaultKind } | undefined;
  injected: InjectedFault[];
  onFault: ((fault: InjectedFault) => void) | undefined;
}

const injector: Injector = {
  target: undefined,
  calls: [],
  fault: undefined,
  injected: [],
  onFault: undefined,
};

/**
 * Counts a call; returns the fault to inject into it, if its number comes up.
 *
 * @param errorNames - The DOMException each kind of fault raises.
 */
function count(
  call: string,
  errorNames: Partial<Record<FaultKind, string>>,
): InjectedFault | undefined {
  injector.calls.push(call);
  const at = injector.calls.length;
  if (injector.fault?.at !== at) return undefined;
  const { kind } = injector.fault;
  const fault = { at, call, kind, errorName: errorNames[kind] ?? "UnknownError" };
  injector.injected.push(fault);
  injector.onFault?.(fault);
  return fault;
}

const domError = (fault: InjectedFault) =>
  new DOMException(`injected fault at call ${fault.at} (${fault.call})`, fault.errorName);

/** Aborts a transaction with `error`, once the requests of the current task are placed. */
function abortLater(transaction: IDBTransaction, error: DOMException): void {
  queueMicrotask(() => {
    Object.defineProperty(transaction, "error", { configurable: true, get: () => error });
    try {
      transaction.abort();
    } catch {}
  });
}

const originals = {
  open: IDBFactory.prototype.open,
  transaction: IDBDatabase.prototype.transaction,
  put: IDBObjectStore.prototype.put,
  get: IDBObjectStore.prototype.get,
  getAll: IDBObjectStore.prototype.getAll,
  getAllKeys: IDBObjectStore.prototype.getAllKeys,
  clear: IDBObjectStore.prototype.clear,
  request: LockManager.prototype.request,
};

function installInjector(): void {
  IDBFactory.prototype.open = function (this: IDBFactory, name: string, version?: number) {
    const fault = name === injector.target ? count("open", {}) : undefined;
    if (fault?.kind === "throws") throw domError(fault);
    if (fault?.kind === "aborts") return failedOpenRequest(domError(fault));
    return originals.open.call(this, name, version);
  } as IDBFactory["open"];

  IDBDatabase.prototype.transaction = function (
    this: IDBDatabase,
    stores: string | string[],
    mode?: IDBTransactionMode,
    options?: IDBTransactionOptions,
  ) {
    const writing = mode === "readwrite";
    const fault =
      this.name === injector.target
        ? count(`transaction ${mode ?? "readonly"} ${[stores].flat().join("+")}`, {
            throws: "InvalidStateError",
            aborts: writing ? "QuotaExceededError" : "UnknownError",
          })
        : undefined;
    if (fault?.kind === "throws") throw domError(fault);
    const transaction = originals.transaction.call(this, stores, mode, options);
    if (fault?.kind === "aborts") abortLater(transaction, domError(fault));
    return transaction;
  } as IDBDatabase["transaction"];

  for (const method of ["put", "get", "getAll", "getAllKeys", "clear"] as const) {
    const original = originals[method] as (...args: unknown[]) => IDBRequest;
    const writing = method === "put" || method === "clear";
    IDBObjectStore.prototype[method] = function (this: IDBObjectStore, ...args: unknown[]) {
      const fault =
        this.transaction.db.name === injector.target
          ? count(`${method} ${this.name}`, {
              throws: writing ? "DataCloneError" : "InvalidStateError",
              aborts: writing ? "QuotaExceededError" : "UnknownError",
            })
          : undefined;
      if (fault?.kind === "throws") throw domError(fault);
      const request = original.apply(this, args);
      if (fault?.kind === "aborts") abortLater(this.transaction, domError(fault));
      return request;
    } as never;
  }

  LockManager.prototype.request = function (this: LockManager, ...args: unknown[]) {
    const name = args[0] as string;
    const fault =
      name === `negotiation-state:${injector.target}` ? count("locks.request", {}) : undefined;
    if (fault) return Promise.reject(domError(fault));
    return (originals.request as (...args: unknown[]) => Promise<unknown>).apply(this, args);
  } as LockManager["request"];
}

function removeInjector(): void {
  IDBFactory.prototype.open = originals.open;
  IDBDatabase.prototype.transaction = originals.transaction;
  IDBObjectStore.prototype.put = originals.put;
  IDBObjectStore.prototype.get = originals.get;
  IDBObjectStore.prototype.getAll = originals.getAll;
  IDBObjectStore.prototype.getAllKeys = originals.getAllKeys;
  IDBObjectStore.prototype.clear = originals.clear;
  LockManager.prototype.request = originals.request;
}

/** An open request that fails as a real one does: an error event, a task later. */
function failedOpenRequest(error: DOMException): IDBOpenDBRequest {
  const request = {
    error,
    readyState: "done",
    onsuccess: null as ((event: Event) => void) | null,
    onerror: null as ((event: Event) => void) | null,
    onupgradeneeded: null as ((event: Event) => void) | null,
    onblocked: null as ((event: Event) => void) | null,
    get result(): IDBDatabase {
      throw new DOMException("The request failed", "InvalidStateError");
    },
  };
  setTimeout(() => request.onerror?.(new Event("error")));
  return request as unknown as IDBOpenDBRequest;
}

type Op =
  | { readonly type: "save"; readonly input: NegotiationInput }
  | { readonly type: "delete"; readonly threadId: string }
  | { readonly type: "transaction"; readonly ops: readonly Op[] };

type Step =
  | { readonly type: "open" | "checkpoint" | "close" }
  | { readonly type: "ops"; readonly name: string; readonly ops: readonly Op[] };

interface Workload {
  readonly name: string;
  readonly options: IndexedDbPersistenceOptions;
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

const BEFORE_CHECKPOINT: Step[] = [
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
const AFTER_CHECKPOINT: Step[] = [
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
    steps: [...BEFORE_CHECKPOINT, { type: "checkpoint" }, ...AFTER_CHECKPOINT],
  },
  {
    name: "checkpoint after every commit",
    options: { checkpointBytes: 1 },
    steps: [...BEFORE_CHECKPOINT, ...AFTER_CHECKPOINT],
  },
];

const SELECT_ALL = "SELECT * FROM negotiation_state ORDER BY thread_id";
const prefix = `idb-faults-${Date.now()}`;
let names = 0;
const freshName = () => `${prefix}-${++names}`;
/** Every database made, deleted at the end. */
const made: string[] = [];
let seed: Contents;
const totals = { faults: 0, calls: 0, lost: 0 };

beforeAll(async () => {
  seed = await makeSeed();
  installInjector();
});

afterAll(async () => {
  removeInjector();
  console.log(
    `[faults] indexeddb target: ${totals.faults} faults injected over ${totals.calls} calls of ${WORKLOADS.length} workloads, ${totals.lost} lost`,
  );
  await deleteMade();
});

async function deleteMade(): Promise<void> {
  for (const name of made.splice(0)) await deleteDatabase(name);
}

function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onerror = () => resolve();
    request.onblocked = () => resolve();
  });
}

/*
 * The harness reads and writes databases with the original IndexedDB methods, so that
 * none of its calls is counted or failed.
 */

const STORES = ["snapshot", "journal"];

/** What a database holds: each object store's keys and values. */
type Contents = { readonly keys: IDBValidKey[]; readonly values: unknown[] }[];

function settle<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function openUncounted(name: string, create = false): Promise<IDBDatabase> {
  const request = originals.open.call(indexedDB, name, 1);
  request.onupgradeneeded = () => {
    if (!create) return request.transaction?.abort();
    for (const store of STORES) request.result.createObjectStore(store);
  };
  return settle(request);
}

/**
 * Reads a database through `connection`. The read transaction is created at once, so it
 * sees the database as the transactions created before it left it, and none after.
 */
function contentsNow(connection: IDBDatabase): Promise<Contents> {
  const read = originals.transaction.call(connection, STORES, "readonly");
  return Promise.all(
    STORES.map(async (store) => {
      const objects = read.objectStore(store);
      const keys = settle(originals.getAllKeys.call(objects) as IDBRequest<IDBValidKey[]>);
      const values = settle(originals.getAll.call(objects) as IDBRequest<unknown[]>);
      return { keys: await keys, values: await values };
    }),
  );
}

/** A new database holding `contents`; returns its name. */
async function restore(contents: Contents): Promise<string> {
  const name = freshName();
  made.push(name);
  const connection = await openUncounted(name, true);
  const write = originals.transaction.call(connection, STORES, "readwrite", {
    durability: "strict",
  });
  STORES.forEach((store, index) => {
    const { keys, values } = contents[index] as Contents[number];
    const objects = write.objectStore(store);
    keys.forEach((key, at) => {
      originals.put.call(objects, values[at], key);
    });
  });
  await new Promise((resolve, reject) => {
    write.oncomplete = resolve;
    write.onabort = () => reject(write.error);
  });
  connection.close();
  return name;
}

/** A database a crashed tab left: seed-1..3 in the snapshot, seed-2's update and seed-4 in the journal. */
async function makeSeed(): Promise<Contents> {
  const name = freshName();
  const adapter = await openSqlJsAdapter({ persistence: indexedDbPersistence(name) });
  await initNegotiationStateTable(adapter);
  const store = new NegotiationStateStore(adapter, {
    clock: steppingClock("2026-03-01T08:00:00Z", 60),
  });
  for (const threadId of ["seed-1", "seed-2", "seed-3"]) await store.save(negotiation(threadId));
  await adapter.checkpoint();
  await store.save(negotiation("seed-2", ["send_offer", "receive_reply"]));
  await store.save(negotiation("seed-4"));
  const connection = await openUncounted(name);
  const crashed = await contentsNow(connection);
  connection.close();
  await adapter.close();
  await deleteDatabase(name);
  return crashed;
}

/** Opens a database as a new tab would, and reads every row. */
async function reopen(name: string): Promise<SqlRow[]> {
  const adapter = await openSqlJsAdapter({ persistence: indexedDbPersistence(name) });
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

interface Run {
  readonly name: string;
  /** A connection of the harness's own, to read the database at any moment. */
  readonly spy: IDBDatabase;
  step: string;
  issued: number;
  readonly resolved: Set<number>;
  readonly rejected: Map<number, unknown>;
  readonly stepErrors: { readonly step: string; readonly error: unknown }[];
  checkpoints: number;
  inCheckpoint: number | undefined;
  crash?: {
    readonly fault: InjectedFault;
    readonly step: string;
    /** What the database held right after the failing call's transaction. */
    readonly contents: Promise<Contents>;
    readonly acknowledged: number;
    readonly issued: number;
    readonly checkpoint: number | undefined;
  };
  readonly afterFault: {
    readonly step: string;
    readonly rows: SqlRow[];
    readonly issued: number;
    readonly contents: Contents;
  }[];
}

async function newRun(): Promise<Run> {
  const name = await restore(seed);
  const run: Run = {
    name,
    spy: await openUncounted(name),
    step: "",
    issued: 0,
    resolved: new Set(),
    rejected: new Map(),
    stepErrors: [],
    checkpoints: 0,
    inCheckpoint: undefined,
    afterFault: [],
  };
  injector.calls = [];
  injector.injected = [];
  injector.onFault = (fault) => {
    if (run.crash) return;
    const contents = contentsNow(run.spy);
    contents.catch(() => undefined);
    run.crash = {
      fault,
      step: run.step,
      contents,
      acknowledged: Math.max(0, ...run.resolved),
      issued: run.issued,
      checkpoint: run.inCheckpoint,
    };
  };
  return run;
}

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

async function runWorkload(workload: Workload, run: Run): Promise<void> {
  let adapter: SqlJsAdapter | undefined;
  let store: NegotiationStateStore | undefined;
  const stepFailed = (error: unknown) => run.stepErrors.push({ step: run.step, error });
  injector.target = run.name;
  try {
    for (const step of workload.steps) {
      run.step = step.type === "ops" ? step.name : step.type;
      if (step.type === "open") {
        try {
          const persistence = tracked(indexedDbPersistence(run.name, workload.options), run);
          const opened = await openSqlJsAdapter({ persistence });
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
          const contents = await contentsNow(run.spy);
          run.afterFault.push({ step: run.step, rows, issued: run.issued, contents });
        }
      }
    }
  } finally {
    injector.target = undefined;
  }
}

async function referenceStates(workload: Workload): Promise<SqlRow[][]> {
  const name = await restore(seed);
  const adapter = await openSqlJsAdapter({
    persistence: indexedDbPersistence(name, workload.options),
  });
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

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function prefixOf(rows: SqlRow[], states: SqlRow[][], from: number, to: number): number {
  for (let i = from; i <= to; i++) if (same(rows, states[i])) return i;
  return -1;
}

const describeRows = (rows: SqlRow[]) =>
  rows.map((row) => `${String(row.thread_id)}:${String(row.state)}`).join(",");

type Outcome = "refused" | "absorbed by a later checkpoint";

async function checkRun(
  run: Run,
  fault: { at: number; kind: FaultKind },
  probeCalls: readonly string[],
  states: SqlRow[][],
): Promise<{ outcome: Outcome; problems: string[]; lost: boolean }> {
  const problems: string[] = [];
  const problem = (text: string) => problems.push(text);
  let lost = false;
  const total = states.length - 1;
  const { crash } = run;
  if (!same(injector.calls.slice(0, fault.at), probeCalls.slice(0, fault.at))) {
    problem(`the calls before the fault differ from the counting run's`);
  }
  if (!crash || crash.fault.at !== fault.at) {
    problem(`the fault was not injected at call ${fault.at}`);
    return { outcome: "refused", problems, lost };
  }
  const location = `indexeddb:${run.name}`;

  // (a)
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
    } else if (!message.includes(location)) {
      problem(`(a) ${where}: the error does not name ${location}: ${message}`);
    } else if (!message.includes(crash.fault.errorName)) {
      problem(`(a) ${where}: the error does not name ${crash.fault.errorName}: ${message}`);
    }
  }
  let outcome: Outcome = "refused";
  if (errors.length === 0) {
    if (crash.checkpoint !== undefined && crash.checkpoint < run.checkpoints) {
      outcome = "absorbed by a later checkpoint";
    } else {
      problem(`the fault was swallowed: nothing rejected`);
    }
  }

  // (d)
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

  // (b) at the fault
  try {
    const rows = await reopen(await restore(await crash.contents));
    if (prefixOf(rows, states, crash.acknowledged, crash.issued) < 0) {
      lost ||= prefixOf(rows, states, 0, total) < crash.acknowledged;
      problem(
        `(b) the copy at the fault holds ${describeRows(rows)}, not the state after ${crash.acknowledged}..${crash.issued} operations`,
      );
    }
  } catch (error) {
    lost = true;
    problem(`(b) the copy at the fault does not open: ${(error as Error).message}`);
  }

  // A failed open changes nothing.
  if (crash.step === "open" && run.stepErrors.some(({ step }) => step === "open")) {
    if (!same(await contentsNow(run.spy), seed)) problem(`a failed open changed the database`);
  }

  // (c)
  for (const { step, rows, issued, contents } of run.afterFault) {
    if (!same(rows, states[issued])) {
      problem(
        `(c) after "${step}" the store read ${describeRows(rows)}, not the state after its ${issued} operations`,
      );
    }
    const durable = await reopen(await restore(contents)).catch((error: Error) => error.message);
    if (!same(durable, rows)) {
      lost = true;
      problem(
        `(c) after "${step}" the store read ${describeRows(rows)}, but the database then held ${typeof durable === "string" ? durable : describeRows(durable)}`,
      );
    }
  }

  // (b, d) a reopen finds every acknowledged operation and, since IndexedDB commits a
  // transaction whole or not at all, none that was refused.
  run.spy.close();
  const acknowledged = Math.max(0, ...run.resolved);
  try {
    const rows = await reopen(run.name);
    if (!same(rows, states[acknowledged])) {
      lost ||= prefixOf(rows, states, 0, total) < acknowledged;
      problem(
        `(b) reopened, the database holds ${describeRows(rows)}, not the state after the ${acknowledged} acknowledged operations`,
      );
    }
    const adapter = await openSqlJsAdapter({ persistence: indexedDbPersistence(run.name) });
    const store = new NegotiationStateStore(adapter, { ownsAdapter: true });
    await store.save(negotiation("after-reopen"));
    await store.close();
    const after = await reopen(run.name);
    const others = after.filter((row) => row.thread_id !== "after-reopen");
    if (!same(others, rows) || after.length !== rows.length + 1) {
      problem(`(d) a save after the reopen was not kept`);
    }
  } catch (error) {
    lost = true;
    problem(`(b) the database does not reopen after the fault: ${(error as Error).message}`);
  }
  return { outcome, problems, lost };
}

describe("the IndexedDB target with a fault injected at each IndexedDB call", () => {
  for (const workload of WORKLOADS) {
    it(`keeps every acknowledged change, and says so clearly: ${workload.name}`, async () => {
      const states = await referenceStates(workload);
      const total = states.length - 1;

      const probes: string[][] = [];
      for (let i = 0; i < 2; i++) {
        const run = await newRun();
        await runWorkload(workload, run);
        run.spy.close();
        expect(run.stepErrors).toEqual([]);
        expect(run.resolved.size).toBe(total);
        probes.push(injector.calls);
        expect(await reopen(run.name)).toEqual(states[total]);
      }
      const [calls, again] = probes as [string[], string[]];
      expect(again).toEqual(calls);

      const problems: string[] = [];
      const outcomes = new Map<Outcome, number>();
      let faults = 0;
      let lost = 0;
      for (let at = 1; at <= calls.length; at++) {
        const call = calls[at - 1] as string;
        for (const kind of faultKindsFor(call.split(" ")[0] as string)) {
          const run = await newRun();
          injector.fault = { at, kind };
          await runWorkload(workload, run);
          injector.fault = undefined;
          faults += injector.injected.length;
          const checked = await checkRun(run, { at, kind }, calls, states);
          outcomes.set(checked.outcome, (outcomes.get(checked.outcome) ?? 0) + 1);
          if (checked.lost) lost += 1;
          for (const text of checked.problems)
            problems.push(`call ${at} (${call}), ${kind}: ${text}`);
        }
        await deleteMade();
      }
      totals.faults += faults;
      totals.calls += calls.length;
      totals.lost += lost;
      console.log(
        `[faults] indexeddb target, ${workload.name}: ${faults} faults injected over ${calls.length} calls, ${lost} lost (${[...outcomes].map(([outcome, n]) => `${n} ${outcome}`).join(", ")})`,
      );
      expect(problems).toEqual([]);
    }, 120_000);
  }
});

describe("faults the enumeration found", () => {
  it("leaves nothing of a group of saves whose journal write threw part-way", async () => {
    const name = freshName();
    made.push(name);
    const store = await openNegotiationStore({ persistence: indexedDbPersistence(name) });
    await store.save(negotiation("kept"));
    // The second record of the group cannot be cloned: the first must not commit alone.
    let puts = 0;
    const put = vi.spyOn(IDBObjectStore.prototype, "put").mockImplementation(function (
      this: IDBObjectStore,
      ...args
    ) {
      if (++puts === 2) throw new DOMException("injected", "DataCloneError");
      return originals.put.apply(this, args);
    });
    const saves = await Promise.allSettled(
      ["x", "y", "z"].map((threadId) => store.save(negotiation(threadId))),
    );
    put.mockRestore();
    expect(saves.map((save) => save.status)).toEqual(["rejected", "rejected", "rejected"]);
    await store.close();
    expect((await reopen(name)).map((row) => row.thread_id)).toEqual(["kept"]);
    await deleteMade();
  });
});
