// Child process of the kill -9 torture test (test/reliability/torture.mjs): opens the
// database and saves forever, until the runner kills it with SIGKILL.
//
//   node torture-child.mjs <db> <ack-log> <seed> <round> <checkpoint-bytes | 0>
//
// Every operation (a save or a delete, alone, in a burst of concurrent calls, or in a
// transaction) gets a version, larger than any before it, the round included: version =
// round * 1e6 + n. A row's whole content is a pure function of (thread, version)
// (`negotiationSpec`), so the runner recomputes what each row must hold.
//
// The ack log is written with fs.writeSync on a descriptor opened to append: once writeSync
// returns, the line is in the kernel's page cache, where SIGKILL of this process cannot
// take it back (a pipe to the parent could lose what is still buffered). One line per
// event, as JSON, each written whole by one write(2):
//   ["open", round, pid]                        the store is open
//   ["I", op, threadId, version, txId | null]   about to call save/delete (an intent)
//   ["A", op, threadId, version, txId | null]   that call resolved: acknowledged
//   ["E", message]                              the child failed on its own
// An intent is written before its call starts, an ack only after its promise resolved, so
// the acks logged are a subset of the acks given, and the intents a superset of the
// changes attempted.
import { closeSync, openSync, writeSync } from "node:fs";
import process from "node:process";
import { pathToFileURL } from "node:url";
import {
  CampaignCPMTracker,
  NegotiationStateMachine,
  openNegotiationStore,
} from "negotiation-state";
import { filePersistence } from "negotiation-state/file";

/** The thread overwritten again and again; its `round_count` is its version. */
export const HOT_THREAD = "hot-thread";

/** How many ordinary threads the children share, across rounds. */
export const THREAD_POOL = 48;

/** How many versions one round may use: version = round * ROUND_SPAN + n. */
export const ROUND_SPAN = 1_000_000;

const TERMINAL_EVENTS = new Set(["accept", "reject", "stop"]);
const NAMES = ["Ava", "Ben", "Chloé", "Dmitri", "Eun-ji", "Fatima", "Gaël", "Hiro", "Ingrid"];
const PLATFORMS = ["instagram", "tiktok", "youtube"];

/** The thread ids of the pool: a few in the shapes mail ids take, one with non-ASCII. */
export function threadId(index) {
  if (index % 7 === 3) return `<msg-${index}@mail.example>`;
  if (index % 11 === 5) return `thread-ü-${index}`;
  return `thread-${String(index).padStart(3, "0")}`;
}

/** mulberry32: a small seeded PRNG, returning floats in [0, 1). */
export function randomFrom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a of a string, as a seed. */
function hash(text) {
  let h = 0x811c9dc5;
  for (const char of text) {
    h ^= char.codePointAt(0) ?? 0;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const integer = (random, min, max) => min + Math.floor(random() * (max - min + 1));
const pick = (random, items) => items[Math.floor(random() * items.length)];
/** A decimal string with two decimals, trailing zeros kept ("25.50"): money as input. */
const decimal = (random, min, max) =>
  `${integer(random, min, max)}.${String(integer(random, 0, 99)).padStart(2, "0")}`;

/**
 * Everything one save of `threadId` at `version` writes, as plain data: the runner
 * recomputes it to check a row exactly.
 *
 * @returns `{ events, context, campaign, tracker: { campaignId, minCpm, maxCpm,
 *   totalInfluencers, agreements: [{ cpm, engagementRate }] }, roundCount }`
 */
export function negotiationSpec(threadId, version) {
  const random = randomFrom(hash(`${threadId}#${version}`));
  const hot = threadId === HOT_THREAD;
  const machine = new NegotiationStateMachine();
  const events = [];
  const steps = integer(random, 0, 7);
  for (let step = 0; step < steps; step++) {
    // The hot thread stays active, so that restoreActive always returns it.
    const valid = machine.getValidEvents().filter((event) => !(hot && TERMINAL_EVENTS.has(event)));
    if (valid.length === 0) break;
    const event = pick(random, valid);
    machine.trigger(event);
    events.push(event);
  }
  const campaignIndex = integer(random, 1, 4);
  const minCpm = `${integer(random, 10, 20)}`;
  const maxCpm = decimal(random, 21, 40);
  const totalInfluencers = integer(random, 1, 12);
  const agreements = Array.from({ length: integer(random, 0, 5) }, () => ({
    cpm: decimal(random, 10, 45),
    engagementRate: random() < 0.25 ? null : integer(random, 0, 90) / 10,
  }));
  const name = pick(random, NAMES);
  const context = {
    version,
    thread: threadId,
    amount: decimal(random, 100, 99999),
    next_cpm: decimal(random, 15, 40),
    influencer: { name, handle: `@${name.toLowerCase()}_${integer(random, 1, 999)}` },
    offers: Array.from({ length: integer(random, 0, 4) }, () => decimal(random, 10, 45)),
    flags: { urgent: random() < 0.5, reviewed: random() < 0.5, note: null },
    // Now and then a large context, so that records vary in size and checkpoints come often.
    ...(random() < 0.1 && {
      transcript: "Dear team, thank you — ".repeat(integer(random, 50, 800)),
    }),
  };
  const campaign = {
    campaign_id: `camp-${campaignIndex}`,
    client_name: `Client ${campaignIndex} & Co`,
    target_deliverables: `${integer(random, 1, 3)} Reels`,
    budget: decimal(random, 1000, 50000),
    cpm_range: { min_cpm: minCpm, max_cpm: maxCpm },
    created_at: "2026-01-15T12:00:00Z",
    platform: pick(random, PLATFORMS),
    influencers: [{ name, platform: pick(random, PLATFORMS), engagement_rate: null }],
    // A field this version does not know: kept and written back.
    torture: { thread: threadId, version },
  };
  return {
    events,
    context,
    campaign,
    tracker: { campaignId: `camp-${campaignIndex}`, minCpm, maxCpm, totalInfluencers, agreements },
    roundCount: hot ? version : integer(random, 0, 40),
  };
}

/** The `store.save` argument of {@link negotiationSpec}. */
export function negotiationInput(threadId, version) {
  const spec = negotiationSpec(threadId, version);
  const stateMachine = new NegotiationStateMachine();
  for (const event of spec.events) stateMachine.trigger(event);
  const { campaignId, minCpm, maxCpm, totalInfluencers, agreements } = spec.tracker;
  const cpmTracker = new CampaignCPMTracker(campaignId, minCpm, maxCpm, totalInfluencers);
  for (const { cpm, engagementRate } of agreements) cpmTracker.recordAgreement(cpm, engagementRate);
  return {
    threadId,
    stateMachine,
    context: spec.context,
    campaign: spec.campaign,
    cpmTracker,
    roundCount: spec.roundCount,
  };
}

async function main() {
  const [databasePath, ackLogPath, seedText, roundText, checkpointText] = process.argv.slice(2);
  const round = Number(roundText);
  const random = randomFrom(Number(seedText));
  const checkpointBytes = Number(checkpointText);
  const log = openSync(ackLogPath, "a");
  const write = (...records) =>
    writeSync(log, records.map((record) => `${JSON.stringify(record)}\n`).join(""));

  let count = 0;
  let transactions = 0;
  const nextVersion = () => {
    count += 1;
    if (count >= ROUND_SPAN) throw new Error("this round has used every version it may");
    return round * ROUND_SPAN + count;
  };
  const poolThread = () => threadId(Math.floor(random() * THREAD_POOL));
  // The hot thread is saved often and never deleted.
  const anyThread = () => (random() < 0.15 ? HOT_THREAD : poolThread());

  const store = await openNegotiationStore({
    persistence: filePersistence(databasePath, checkpointBytes > 0 ? { checkpointBytes } : {}),
  });
  write(["open", round, process.pid]);
  process.stdout.write("ready\n");

  /** Calls save or delete now (its place in the store's queue is taken by the call). */
  const single = (op, thread) => {
    const version = nextVersion();
    write(["I", op, thread, version, null]);
    const done =
      op === "save" ? store.save(negotiationInput(thread, version)) : store.delete(thread);
    return done.then(() => write(["A", op, thread, version, null]));
  };

  /**
   * Calls store.transaction now, with the versions of its operations fixed at the call, so
   * that versions follow the order in which the store applies changes.
   */
  const batch = () => {
    transactions += 1;
    const txId = `${round}-${transactions}`;
    const ops = Array.from({ length: integer(random, 2, 8) }, () => ({
      op: "save",
      thread: anyThread(),
    }));
    if (random() < 0.5)
      ops.splice(integer(random, 0, ops.length), 0, { op: "delete", thread: poolThread() });
    const planned = ops.map(({ op, thread }) => ({ op, thread, version: nextVersion() }));
    write(...planned.map(({ op, thread, version }) => ["I", op, thread, version, txId]));
    return store
      .transaction(async (tx) => {
        for (const { op, thread, version } of planned) {
          if (op === "save") await tx.save(negotiationInput(thread, version));
          else await tx.delete(thread);
        }
      })
      .then(() =>
        write(...planned.map(({ op, thread, version }) => ["A", op, thread, version, txId])),
      );
  };

  for (;;) {
    const choice = random();
    if (choice < 0.3) {
      await single("save", anyThread());
    } else if (choice < 0.55) {
      // A burst of concurrent calls: they share syncs; a thread may appear twice.
      const calls = Array.from({ length: integer(random, 5, 20) }, () =>
        random() < 0.1
          ? batch()
          : random() < 0.05
            ? single("delete", poolThread())
            : single("save", anyThread()),
      );
      await Promise.all(calls);
    } else if (choice < 0.75) {
      await batch();
    } else if (choice < 0.93) {
      await single("save", HOT_THREAD);
    } else {
      await single("delete", poolThread());
    }
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((error) => {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    try {
      const log = openSync(process.argv[3] ?? "", "a");
      writeSync(log, `${JSON.stringify(["E", message])}\n`);
      closeSync(log);
    } catch {}
    process.stderr.write(`${message}\n`);
    process.exit(2);
  });
}
