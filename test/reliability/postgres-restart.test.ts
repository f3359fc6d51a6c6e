/**
 * The PostgreSQL server restarted under a store that is writing (DESIGN §7, "durable means
 * committed"): every call either resolves, and then what it wrote is there after the restart,
 * or rejects with a StorageError; a transaction is there whole or not at all; and the same
 * store goes on working on fresh connections, its broken idle ones crashing nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCode } from "../../src/errors/negotiation-error.js";
import { StorageError } from "../../src/persistence/errors.js";
import type { NegotiationStateStore } from "../../src/store/negotiation-state-store.js";
import { openPostgresStore } from "../../src/store/open-postgres-store.js";
import { negotiation } from "../support/negotiations.js";
import { startThrowawayPostgres, type ThrowawayPostgres } from "../support/postgres-server.mjs";

/** The causes of a connection refused while the server is down, starting or stopping. */
const REFUSED = new Set(["ECONNREFUSED", "57P03"]);

/** Whether a call failed on a connection that broke under it, rather than on connecting. */
function cutInFlight(error: unknown): boolean {
  const cause = errorCode((error as { cause?: unknown }).cause);
  return cause === undefined || !REFUSED.has(cause);
}

/** The adapter's pool: `maxConnections` by default. */
const POOL_SIZE = 10;

/** Callers writing side by side, as an agent answering several threads at once does. */
const WORKERS = 6;

let server: ThrowawayPostgres;
beforeAll(async () => {
  server = await startThrowawayPostgres();
}, 60_000);
afterAll(() => server?.stop());

/** What the calls of one burst did: what each acknowledged, and how the others failed. */
interface Burst {
  readonly saved: string[];
  /** The update log entries acknowledged, by thread. */
  readonly updated: Map<string, string[]>;
  /** Every transaction of two saves tried, and whether it was acknowledged. */
  readonly pairs: { a: string; b: string; acknowledged: boolean }[];
  readonly rejected: unknown[];
  /** Calls acknowledged after the restart ended. */
  acknowledgedAfter: number;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Saves, updates and two-save transactions from {@link WORKERS} callers of `store`, from
 * before `restart` starts until a while after it ended.
 */
async function burstAcross(
  store: NegotiationStateStore,
  label: string,
  restart: () => Promise<void>,
): Promise<Burst> {
  const burst: Burst = {
    saved: [],
    updated: new Map(),
    pairs: [],
    rejected: [],
    acknowledgedAfter: 0,
  };
  let restarted = false;
  let stop = false;
  const worker = async (w: number) => {
    const logThread = `${label}-w${w}-updated`;
    const log: string[] = [];
    burst.updated.set(logThread, log);
    for (let i = 0; !stop; i++) {
      const after = restarted;
      try {
        if (i % 3 === 0) {
          const threadId = `${label}-w${w}-saved-${i}`;
          await store.save(negotiation(threadId, ["send_offer"], { context: { i } }));
          burst.saved.push(threadId);
        } else if (i % 3 === 1) {
          const entry = `${w}:${i}`;
          await store.update(logThread, (current) =>
            current === null
              ? negotiation(logThread, ["send_offer"], { context: { log: [entry] } })
              : {
                  ...current,
                  context: { log: [...(current.context.log as string[]), entry] },
                  roundCount: current.roundCount + 1,
                },
          );
          log.push(entry);
        } else {
          const pair = {
            a: `${label}-w${w}-a-${i}`,
            b: `${label}-w${w}-b-${i}`,
            acknowledged: false,
          };
          burst.pairs.push(pair);
          await store.transaction(async (tx) => {
            await tx.save(negotiation(pair.a));
            await tx.save(negotiation(pair.b));
          });
          pair.acknowledged = true;
        }
        if (after) burst.acknowledgedAfter++;
      } catch (error) {
        burst.rejected.push(error);
        // The server is down for a moment: do not spin on refused connections.
        await pause(20);
      }
    }
  };
  const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));
  // Restart once every caller is in full swing.
  while (burst.saved.length < WORKERS) await pause(5);
  await restart();
  restarted = true;
  // Until each caller had a few calls acknowledged again, or the store is stuck.
  for (let waited = 0; burst.acknowledgedAfter < 3 * WORKERS && waited < 10_000; waited += 10) {
    await pause(10);
  }
  stop = true;
  await Promise.all(workers);
  expect(burst.acknowledgedAfter).toBeGreaterThanOrEqual(3 * WORKERS);
  return burst;
}

/** Checks that everything acknowledged is stored, and every transaction whole or absent. */
async function expectAcknowledgedKept(store: NegotiationStateStore, burst: Burst): Promise<void> {
  for (const threadId of burst.saved) {
    expect((await store.loadRow(threadId))?.thread_id, threadId).toBe(threadId);
  }
  for (const [threadId, acknowledged] of burst.updated) {
    const stored = ((await store.load(threadId))?.context.log ?? []) as string[];
    // An update whose commit the restart cut may or may not be there; an acknowledged one is.
    expect(stored).toEqual(expect.arrayContaining(acknowledged));
    expect(new Set(stored).size).toBe(stored.length);
  }
  for (const { a, b, acknowledged } of burst.pairs) {
    const [rowA, rowB] = [await store.loadRow(a), await store.loadRow(b)];
    expect(rowA === null, `${a} and ${b}: both or neither`).toBe(rowB === null);
    if (acknowledged) expect(rowA).not.toBeNull();
  }
}

describe("the server restarted while a store writes", () => {
  for (const mode of ["fast", "immediate"] as const) {
    it(`pg_ctl restart -m ${mode}: calls resolve (and are kept) or reject with StorageError, and the same store goes on`, async () => {
      const store = await openPostgresStore({ connectionString: server.url });
      try {
        // Every connection of the pool opened: the burst leaves some idle for the restart to
        // break, whose `error` events would end the process if nothing listened.
        await Promise.all(
          Array.from({ length: POOL_SIZE }, () =>
            store.transaction(async (tx) => {
              await tx.loadRow("warm");
              await pause(50);
            }),
          ),
        );
        const burst = await burstAcross(store, mode, () => server.restart(mode));
        console.log(
          `[restart ${mode}] ${burst.saved.length} saves, ${[...burst.updated.values()].flat().length} updates, ${burst.pairs.filter((pair) => pair.acknowledged).length} transactions acknowledged; ${burst.rejected.length} calls rejected, ${burst.rejected.filter(cutInFlight).length} of them cut in flight`,
        );
        for (const error of burst.rejected) {
          expect(error).toBeInstanceOf(StorageError);
          expect(error).toMatchObject({ code: "STORAGE_FAILED" });
        }
        // Calls cut on a connection the restart broke, not only connections refused while it was down.
        expect(burst.rejected.filter(cutInFlight).length).toBeGreaterThanOrEqual(1);
        // More calls at once than the pool has connections, every one of which the restart broke.
        const fresh = Array.from({ length: 25 }, (_, index) => `${mode}-after-${index}`);
        await Promise.all(fresh.map((threadId) => store.save(negotiation(threadId))));
        expect((await store.loadActive()).map((row) => row.thread_id)).toEqual(
          expect.arrayContaining(fresh),
        );
        await expectAcknowledgedKept(store, burst);
      } finally {
        await store.close();
      }
    });
  }
});
