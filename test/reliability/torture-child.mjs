// Child process of the kill -9 torture test (test/reliability/torture.mjs): opens the
// database and saves forever, until the runner kills it with SIGKILL.
//
//   node torture-child.mjs <db> <ack-log> <seed> <round> <checkpoint-bytes | 0>
//
// Every operation (a save or a delete, alone, in a burst of concurrent calls, or in a
// transaction) gets a version, larger than any before it, the round included: version =
// round * 1e6 + n. A row's whole content is a pure function of (thread, version)
// (`negotiationSpec` of test/support/random-negotiation.mjs), so the runner recomputes what
// each row must hold.
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
import { HOT_THREAD, poolThread, randomNegotiation } from "../support/random-negotiation.mjs";
import { integerIn, seededRandom } from "../support/seeded-random.mjs";

const CLASSES = { NegotiationStateMachine, CampaignCPMTracker };

/** How many ordinary threads the children share, across rounds. */
export const THREAD_POOL = 48;

/** How many versions one round may use: version = round * ROUND_SPAN + n. */
export const ROUND_SPAN = 1_000_000;

async function main() {
  const [databasePath, ackLogPath, seedText, roundText, checkpointText] = process.argv.slice(2);
  const round = Number(roundText);
  const random = seededRandom(Number(seedText));
  const integer = (min, max) => integerIn(random, min, max);
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
  const pooledThread = () => poolThread(integer(0, THREAD_POOL - 1));
  // The hot thread is saved often and never deleted.
  const anyThread = () => (random() < 0.15 ? HOT_THREAD : pooledThread());

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
      op === "save"
        ? store.save(randomNegotiation(CLASSES, thread, version))
        : store.delete(thread);
    return done.then(() => write(["A", op, thread, version, null]));
  };

  /**
   * Calls store.transaction now, with the versions of its operations fixed at the call, so
   * that versions follow the order in which the store applies changes.
   */
  const batch = () => {
    transactions += 1;
    const txId = `${round}-${transactions}`;
    const ops = Array.from({ length: integer(2, 8) }, () => ({
      op: "save",
      thread: anyThread(),
    }));
    if (random() < 0.5)
      ops.splice(integer(0, ops.length), 0, { op: "delete", thread: pooledThread() });
    const planned = ops.map(({ op, thread }) => ({ op, thread, version: nextVersion() }));
    write(...planned.map(({ op, thread, version }) => ["I", op, thread, version, txId]));
    return store
      .transaction(async (tx) => {
        for (const { op, thread, version } of planned) {
          if (op === "save") await tx.save(randomNegotiation(CLASSES, thread, version));
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
      const calls = Array.from({ length: integer(5, 20) }, () =>
        random() < 0.1
          ? batch()
          : random() < 0.05
            ? single("delete", pooledThread())
            : single("save", anyThread()),
      );
      await Promise.all(calls);
    } else if (choice < 0.75) {
      await batch();
    } else if (choice < 0.93) {
      await single("save", HOT_THREAD);
    } else {
      await single("delete", pooledThread());
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
