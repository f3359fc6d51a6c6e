import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { openSqlJsAdapter } from "../../src/adapter/sql-js-adapter.js";
import type { SqlRow } from "../../src/adapter/storage-adapter.js";
import {
  type IndexedDbPersistenceOptions,
  indexedDbPersistence,
} from "../../src/persistence/indexed-db-persistence.js";
import { NegotiationStateStore } from "../../src/store/negotiation-state-store.js";
import { openNegotiationStore } from "../../src/store/open-negotiation-store.js";
import { negotiation } from "../support/negotiations.js";
import * as faultWorkload from "./fault-workload.js";

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
  /** The target's transactions not yet complete or aborted. */
  running: number;
}

const injector: Injector = {
  target: undefined,
  calls: [],
  fault: undefined,
  injected: [],
  onFault: undefined,
  running: 0,
};

/**
 * Resolves once none of the target's transactions runs and no call came over two turns of
 * the event loop: a checkpoint the last step set going beside the next ones is done by then,
 * so that every run makes its calls in the same order.
 */
async function injectorIdle(): Promise<void> {
  for (let quiet = 0; quiet < 2; ) {
    const calls = injector.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 0));
    quiet = injector.running === 0 && injector.calls.length === calls ? quiet + 1 : 0;
  }
}

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
  delete: IDBObjectStore.prototype.delete,
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
    if (this.name === injector.target) {
      injector.running += 1;
      const ended = () => {
        injector.running -= 1;
      };
      transaction.addEventListener("complete", ended);
      transaction.addEventListener("abort", ended);
    }
    return transaction;
  } as IDBDatabase["transaction"];

  for (const method of ["put", "get", "getAll", "getAllKeys", "clear", "delete"] as const) {
    const original = originals[method] as (...args: unknown[]) => IDBRequest;
    const writing = method === "put" || method === "clear" || method === "delete";
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
  IDBObjectStore.prototype.delete = originals.delete;
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

type Workload = faultWorkload.FaultWorkload<IndexedDbPersistenceOptions>;

const WORKLOADS: Workload[] = faultWorkload.journalWorkloads("checkpoint after every commit");

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
  const adapter = await faultWorkload.writeSeed(indexedDbPersistence(name));
  const connection = await openUncounted(name);
  const crashed = await contentsNow(connection);
  connection.close();
  await adapter.close();
  await deleteDatabase(name);
  return crashed;
}

/** Opens a database as a new tab would, and reads every row. */
async function reopen(name: string): Promise<SqlRow[]> {
  return faultWorkload.readAll(indexedDbPersistence(name));
}

/**
 * One run of a workload on a database of its own, and what it saw; a copy is what the
 * database holds, at the fault a promise of it.
 */
interface Run extends faultWorkload.WorkloadRun<InjectedFault, Contents, Promise<Contents>> {
  readonly name: string;
  /** A connection of the harness's own, to read the database at any moment. */
  readonly spy: IDBDatabase;
}

async function newRun(): Promise<Run> {
  const name = await restore(seed);
  const run: Run = {
    name,
    spy: await openUncounted(name),
    ...faultWorkload.newWorkloadRun<InjectedFault, Contents, Promise<Contents>>(),
  };
  injector.calls = [];
  injector.injected = [];
  injector.running = 0;
  injector.onFault = (fault) => {
    if (run.crash) return;
    // What the database held right after the failing call's transaction.
    const copy = contentsNow(run.spy);
    copy.catch(() => undefined);
    run.crash = {
      fault,
      step: run.step,
      copy,
      acknowledged: Math.max(0, ...run.resolved),
      issued: run.issued,
      checkpoint: run.inCheckpoint,
    };
  };
  return run;
}

/**
 * A workload's options, with checkpoints taken in this realm: a checkpoint worker's calls
 * are out of the injector's reach, and the moment one fails to start (the sources have no
 * built worker beside them) would vary from run to run. The worker's checkpoints are
 * covered by test/reliability/indexed-db-kill.test.ts and the target's browser tests.
 */
function inThisRealm(options: Workload["options"]) {
  return { ...options, checkpointInWorker: false };
}

async function runWorkload(workload: Workload, run: Run): Promise<void> {
  injector.target = run.name;
  try {
    await faultWorkload.driveWorkload(workload.steps, run, {
      persistence: () => indexedDbPersistence(run.name, inThisRealm(workload.options)),
      copy: () => contentsNow(run.spy),
      settled: injectorIdle,
    });
  } finally {
    injector.target = undefined;
  }
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

type Outcome = "refused" | "absorbed by a later checkpoint";

async function checkRun(
  run: Run,
  fault: { at: number; kind: FaultKind },
  probeCalls: readonly string[],
  states: SqlRow[][],
): Promise<faultWorkload.CheckedRun<Outcome>> {
  const problems: string[] = [];
  const problem = (text: string) => problems.push(text);
  const checks = { states, same, problem };
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
  const errors = faultWorkload.refusalsOf(run);
  faultWorkload.checkRefusals(errors, location, crash.fault.errorName, problem);
  let outcome: Outcome = "refused";
  if (errors.length === 0) {
    if (crash.checkpoint !== undefined && crash.checkpoint < run.checkpoints) {
      outcome = "absorbed by a later checkpoint";
    } else {
      problem(`the fault was swallowed: nothing rejected`);
    }
  }

  // (d)
  faultWorkload.checkRefusedOnward(run, errors, total, problem);

  // (b) at the fault
  const read = async () => reopen(await restore(await crash.copy));
  if (await faultWorkload.checkCopyAtFault(checks, crash, "the copy at the fault", read)) {
    lost = true;
  }

  // A failed open changes nothing.
  if (crash.step === "open" && run.stepErrors.some(({ step }) => step === "open")) {
    if (!same(await contentsNow(run.spy), seed)) problem(`a failed open changed the database`);
  }

  // (c)
  const readCopy = async (contents: Contents) =>
    reopen(await restore(contents)).catch((error: Error) => error.message);
  const held = "the database then held";
  if (await faultWorkload.checkAfterFault(checks, run.afterFault, readCopy, held)) lost = true;

  // (b, d) a reopen finds every acknowledged operation and, since IndexedDB commits a
  // transaction whole or not at all, none that was refused.
  run.spy.close();
  const acknowledged = Math.max(0, ...run.resolved);
  try {
    const rows = await reopen(run.name);
    if (!same(rows, states[acknowledged])) {
      lost ||= faultWorkload.prefixOf(rows, states, 0, total, same) < acknowledged;
      problem(
        `(b) reopened, the database holds ${faultWorkload.describeRows(rows)}, not the state after the ${acknowledged} acknowledged operations`,
      );
    }
    const adapter = await openSqlJsAdapter({ persistence: indexedDbPersistence(run.name) });
    const store = new NegotiationStateStore(adapter, { ownsAdapter: true });
    await faultWorkload.checkKeepsASave(checks, store, "reopen", rows, () => reopen(run.name));
  } catch (error) {
    lost = true;
    problem(`(b) the database does not reopen after the fault: ${(error as Error).message}`);
  }
  return { outcome, problems, lost };
}

describe("the IndexedDB target with a fault injected at each IndexedDB call", () => {
  for (const workload of WORKLOADS) {
    it(`keeps every acknowledged change, and says so clearly: ${workload.name}`, async () => {
      const states = await faultWorkload.referenceStates(
        indexedDbPersistence(await restore(seed), inThisRealm(workload.options)),
        workload.steps,
      );
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

      const { faults, lost, outcomes, problems } = await faultWorkload.injectEachFault(
        calls,
        faultKindsFor,
        async (at, kind) => {
          const run = await newRun();
          injector.fault = { at, kind };
          await runWorkload(workload, run);
          injector.fault = undefined;
          const injected = injector.injected.length;
          return { injected, checked: await checkRun(run, { at, kind }, calls, states) };
        },
        deleteMade,
      );
      totals.faults += faults;
      totals.calls += calls.length;
      totals.lost += lost;
      console.log(
        `[faults] indexeddb target, ${workload.name}: ${faults} faults injected over ${calls.length} calls, ${lost} lost (${faultWorkload.describeOutcomes(outcomes)})`,
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
