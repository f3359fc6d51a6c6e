// The page of `npm run bench:browser` (bench/browser.mjs), bundled by esbuild with the built
// package. It exposes `globalThis.bench`, which the Node side calls one step at a time:
// - `measure`: at one size, the durable save of our IndexedDB target (A) against a bare
//   strict IndexedDB put of the same row (B), and our store on memoryPersistence (C, no
//   I/O), interleaved save by save (measurePostgresSaves);
// - `phases`: A and B again, each save cut where it calls `transaction()` and `put()` and
//   where `complete` fires;
// - `prepare`, `run`, `finish`: saves of one contender alone, for a CPU profile taken
//   around `run`.
import { memoryPersistence, openNegotiationStore, serializeCpmTracker } from "negotiation-state";
import { indexedDbPersistence } from "negotiation-state/indexeddb";
import { countChannelCalls } from "../test/support/channel-calls.mjs";
import { seededRandom } from "../test/support/seeded-random.mjs";
import { latencySummary, measurePostgresSaves } from "./postgres-save-latency.mjs";
import { negotiationInput } from "./rows.mjs";
import { percentile } from "./stats.mjs";

const BARE_STORE = "negotiation_state";
const STRICT = { durability: "strict" };

/**
 * The workers the page starts (the IndexedDB target's checkpoint workers): how many are
 * running, and how many starts and ends there have been, so that a save can tell whether
 * one ran at any moment while it did.
 */
const workers = { running: 0, changes: 0, started: 0 };
const PlatformWorker = globalThis.Worker;
globalThis.Worker = class CountedWorker extends PlatformWorker {
  #running = true;
  constructor(script, options) {
    super(script, options);
    workers.running += 1;
    workers.changes += 1;
    workers.started += 1;
  }
  terminate() {
    if (this.#running) {
      this.#running = false;
      workers.running -= 1;
      workers.changes += 1;
    }
    super.terminate();
  }
};

/**
 * Our store on the IndexedDB target, database `<prefix>-<size>`, with `options`. Its handle
 * also reports the checkpoint workers started while it was open, and the saves that a
 * checkpoint worker ran beside.
 */
function ourIndexedDb(name, prefix, options) {
  const open = (size) =>
    openNegotiationStore({ persistence: indexedDbPersistence(`${prefix}-${size}`, options) });
  return {
    name,
    input: negotiationInput,
    async populate(size) {
      const store = await open(size);
      await store.transaction(async (tx) => {
        for (let i = 0; i < size; i++) await tx.save(negotiationInput(i));
      });
      await store.close();
    },
    async open(size) {
      const store = await open(size);
      const startedBefore = workers.started;
      const besideWorkers = [];
      return {
        async save(input) {
          const changes = workers.changes;
          const runningAtStart = workers.running > 0;
          const start = performance.now();
          await store.save(input);
          if (runningAtStart || workers.changes !== changes) {
            besideWorkers.push(performance.now() - start);
          }
        },
        report: () => ({
          checkpointWorkers: workers.started - startedBefore,
          besideWorkers: besideWorkers.length > 0 ? latencySummary(besideWorkers) : null,
        }),
        close: () => store.close(),
      };
    },
    remove: (size) => deleteDatabase(`${prefix}-${size}`),
  };
}

/** A: our store on the IndexedDB target, as it comes. */
const indexedDb = ourIndexedDb("indexeddb", "a", {});

/** D: the same with its checkpoints' images taken on the page, as without workers. */
const indexedDbInThread = ourIndexedDb("indexeddb-in-thread", "d", { checkpointInWorker: false });

/**
 * The row as an app with IndexedDB alone would write it: the table's columns, the objects
 * serialized on every save.
 */
function bareRow(input) {
  const now = new Date().toISOString();
  return {
    thread_id: input.threadId,
    state: input.stateMachine.state,
    round_count: input.roundCount,
    context_json: JSON.stringify(input.context),
    campaign_json: JSON.stringify(input.campaign),
    cpm_tracker_json: JSON.stringify(serializeCpmTracker(input.cpmTracker)),
    history_json: JSON.stringify(input.stateMachine.history),
    created_at: now,
    updated_at: now,
  };
}

/** B: one object store keyed by thread id; a save is one strict transaction with one put. */
const bare = {
  name: "bare",
  input: negotiationInput,
  async populate(size) {
    const db = await openBare(size);
    const transaction = db.transaction(BARE_STORE, "readwrite", STRICT);
    const rows = transaction.objectStore(BARE_STORE);
    for (let i = 0; i < size; i++) rows.put(bareRow(negotiationInput(i)));
    await completed(transaction);
    db.close();
  },
  async open(size) {
    const db = await openBare(size);
    return {
      save(input) {
        const row = bareRow(input);
        const transaction = db.transaction(BARE_STORE, "readwrite", STRICT);
        transaction.objectStore(BARE_STORE).put(row);
        return completed(transaction);
      },
      close: async () => db.close(),
    };
  },
  remove: (size) => deleteDatabase(`b-${size}`),
};

/** C: our store with no I/O, the work a save does in the page. */
const memories = new Map();
const memory = {
  name: "memory",
  input: negotiationInput,
  async populate(size) {
    memories.set(size, memoryPersistence());
    const store = await openNegotiationStore({ persistence: memories.get(size) });
    await store.transaction(async (tx) => {
      for (let i = 0; i < size; i++) await tx.save(negotiationInput(i));
    });
    await store.close();
  },
  async open(size) {
    const store = await openNegotiationStore({ persistence: memories.get(size) });
    return { save: (input) => store.save(input), close: () => store.close() };
  },
  remove: async (size) => memories.delete(size),
};

const CONTENDERS = { indexedDb, indexedDbInThread, bare, memory };

function openBare(size) {
  const request = indexedDB.open(`b-${size}`, 1);
  request.onupgradeneeded = () =>
    request.result.createObjectStore(BARE_STORE, { keyPath: "thread_id" });
  return requested(request);
}

function deleteDatabase(name) {
  return requested(indexedDB.deleteDatabase(name));
}

function requested(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function completed(transaction) {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error ?? new Error("aborted"));
  });
}

/** Populates, closes and reopens each contender at `size`, runs `body`, then removes them. */
async function withContenders(names, size, body) {
  const cells = [];
  try {
    for (const name of names) {
      const contender = CONTENDERS[name];
      await contender.populate(size);
      cells.push({ contender, handle: await contender.open(size) });
    }
    return await body(cells);
  } finally {
    for (const { handle } of cells) await handle.close();
    for (const name of names) await CONTENDERS[name].remove(size);
  }
}

const log = (line) => console.log(line);

/** The moments of the save under way in `phases`. */
let marks;

/**
 * Wraps a method of IndexedDB so that its calls are timed into `marks`, until the function
 * returned is called: only `phases` pays for the wrapper.
 */
function timeCalls(prototype, method, onReturn) {
  const original = prototype[method];
  prototype[method] = function timed(...args) {
    // A call outside a measured save (a checkpoint's) is not one of its phases.
    if (marks === undefined) return original.apply(this, args);
    const begin = performance.now();
    const returned = original.apply(this, args);
    marks[method] = { begin, end: performance.now() };
    onReturn?.(returned);
    return returned;
  };
  return () => {
    prototype[method] = original;
  };
}

function timeIndexedDb() {
  const restores = [
    timeCalls(IDBDatabase.prototype, "transaction", (transaction) => {
      const saved = marks;
      // Added before the save sets `oncomplete`, so it runs first.
      transaction.addEventListener("complete", () => {
        saved.complete = performance.now();
      });
    }),
    timeCalls(IDBObjectStore.prototype, "put"),
  ];
  return () => {
    for (const restore of restores) restore();
  };
}

/** The medians of each phase of a save, in ms: what the table of `phases` shows. */
const PHASES = {
  beforeTransaction: (m) => m.transaction.begin - m.start,
  transactionCall: (m) => m.transaction.end - m.transaction.begin,
  putCall: (m) => m.put.end - m.put.begin,
  // From the moment the request is placed until `complete`: the commit, durably.
  commit: (m) => m.complete - m.put.end,
  afterComplete: (m) => m.end - m.complete,
  whole: (m) => m.end - m.start,
};

/**
 * Each save of A and B cut where its IndexedDB transaction is created, where its `put`
 * is placed, and where `complete` fires; A and B interleaved as in `measure`.
 */
async function phases({ size, warmup, samples }) {
  return withContenders(["indexedDb", "bare"], size, async (cells) => {
    const splits = new Map(cells.map(({ contender }) => [contender.name, []]));
    const timed = cells.map(({ contender, handle }) => ({
      contender,
      handle: {
        async save(input) {
          marks = { start: performance.now() };
          await handle.save(input);
          marks.end = performance.now();
          splits.get(contender.name).push(marks);
          marks = undefined;
        },
      },
    }));
    const restore = timeIndexedDb();
    try {
      await measurePostgresSaves({ cells: timed, size, warmup, samples, log });
    } finally {
      restore();
    }
    return Object.fromEntries(
      [...splits].map(([name, all]) => {
        const measured = all.slice(warmup);
        const median = (of) =>
          percentile(
            measured.map(of).sort((a, b) => a - b),
            50,
          );
        return [
          name,
          Object.fromEntries(Object.entries(PHASES).map(([key, of]) => [key, median(of)])),
        ];
      }),
    );
  });
}

/** The contender of a profile, open and warmed up, between `prepare` and `finish`. */
let profiled;

async function prepare({ name, size, warmup }) {
  const contender = CONTENDERS[name];
  await contender.populate(size);
  const handle = await contender.open(size);
  const next = seededRandom(size);
  let added = 0;
  let k = 0;
  // As measurePostgresSaves picks: an existing thread at random, then a new one.
  const pick = () => {
    k += 1;
    return k % 2 === 0
      ? negotiationInput(Math.floor(next() * size), k)
      : negotiationInput(size + added++);
  };
  profiled = { contender, size, handle, pick };
  await run({ saves: warmup });
}

/** `saves` saves of the prepared contender, inputs built beforehand; the time they took. */
async function run({ saves }) {
  const inputs = Array.from({ length: saves }, () => profiled.pick());
  const start = performance.now();
  for (const input of inputs) await profiled.handle.save(input);
  return performance.now() - start;
}

async function finish() {
  await profiled.handle.close();
  await profiled.contender.remove(profiled.size);
  profiled = undefined;
}

/**
 * One tab's part in the tabs scenario: a store on a name that other tabs of the same
 * origin open too (the first to open it writes, the others forward their saves to it), and
 * when each change was heard here, on the clock every tab shares (`timeOrigin + now`).
 */
let tab;

const shared = {
  async open({ name, size }) {
    const store = await openNegotiationStore({ persistence: indexedDbPersistence(name) });
    const heard = new Map();
    store.subscribe(({ threadId }) =>
      heard.set(threadId, performance.timeOrigin + performance.now()),
    );
    if (size > 0) {
      await store.transaction(async (tx) => {
        for (let i = 0; i < size; i++) await tx.save(negotiationInput(i));
      });
    }
    const channelCalls = countChannelCalls(name);
    tab = { store, heard, next: seededRandom(size + 1), size, channelCalls };
  },
  /** The calls other tabs sent over the channel since the last look. */
  channelCalls: () => tab.channelCalls.take(),
  /**
   * Saves row `index` (a new thread) or, without it, an existing thread one round further;
   * gives its time in ms and its thread.
   */
  async save({ k, index }) {
    const input =
      index === undefined
        ? negotiationInput(Math.floor(tab.next() * tab.size), k + 1)
        : negotiationInput(index);
    const start = performance.now();
    await tab.store.save(input);
    return { ms: performance.now() - start, threadId: input.threadId };
  },
  /**
   * A bare BroadcastChannel round trip to the other tab (which answers each `ping` at once),
   * in ms: the floor under a forwarded call.
   */
  async ping() {
    tab.pings ??= new BroadcastChannel("bench-ping");
    const start = performance.now();
    await new Promise((resolve) => {
      tab.pings.onmessage = ({ data }) => data === "pong" && resolve();
      tab.pings.postMessage("ping");
    });
    return performance.now() - start;
  },
  /** Answers the other tab's pings. */
  answerPings() {
    tab.pings = new BroadcastChannel("bench-ping");
    tab.pings.onmessage = ({ data }) => data === "ping" && tab.pings.postMessage("pong");
  },
  /** When each of `threadIds` was heard here. */
  heardAt: ({ threadIds }) => threadIds.map((id) => tab.heard.get(id) ?? null),
  close: () => {
    tab.pings?.close();
    tab.channelCalls.close();
    return tab.store.close();
  },
};

globalThis.bench = {
  shared,
  measure: ({ names, size, warmup, samples }) =>
    withContenders(names, size, async (cells) => {
      const results = await measurePostgresSaves({ cells, size, warmup, samples, log });
      return results.map((result, i) => ({ ...result, ...cells[i]?.handle.report?.() }));
    }),
  phases,
  prepare,
  run,
  finish,
  isolated: () => globalThis.crossOriginIsolated === true,
};
