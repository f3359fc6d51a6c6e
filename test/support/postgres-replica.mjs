// Child process of the PostgreSQL replica tests: one agent replica on the built package
// (`negotiation-state/postgres`), one line of stdout per thing it did. It prints "ready" and
// waits for a "go" line on stdin, so that the parent starts every replica at the same moment.
//
//   node postgres-replica.mjs <url> <schema> open <name> [<stores>]
//     after "go", opens <stores> stores at once (1 by default; each its own pool, creating
//     the table) and saves thread <name>-<i> through store i; prints "opened <name>".
//   node postgres-replica.mjs <url> <schema> update|save <name> <count> <pauseMs> <thread>...
//     opens the store, then after "go" makes <count> changes, change m on thread
//     <thread>[m % threads]: each appends one transition and "<name>:<m>" to context.log and
//     bumps the round (creating the thread with its first transition when it is absent).
//     `update` reads and writes in store.update; `save` loads, then saves (last writer wins).
//     Both pause <pauseMs> between the read and the write. Prints "ack <name>:<m> <thread>"
//     once each change is committed, then "done".
//   node postgres-replica.mjs <url> <schema> die <name> <count> <thread>
//     as `update` on one thread for <count> changes, then in one transaction: an update that
//     appends "<name>:uncommitted" (written, not committed), and an update whose function
//     prints "inside" and never returns: the parent SIGKILLs it there.
//
// Any failure prints "failed <code>: <message>" and exits 1.

import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { CampaignCPMTracker, NegotiationStateMachine } from "negotiation-state";
import { openPostgresStore } from "negotiation-state/postgres";
import { negotiationInput } from "./negotiation-fixture.mjs";

const classes = { NegotiationStateMachine, CampaignCPMTracker };
const [url, schema, mode, name, ...rest] = process.argv.slice(2);
const stdin = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

/** Resolves at the parent's "go". */
async function ready() {
  console.log("ready");
  const { value, done } = await stdin.next();
  if (done || value !== "go") throw new Error(`expected "go" on stdin, got ${value}`);
}

/**
 * The change every replica makes: one more transition (awaiting_reply or counter_sent ->
 * counter_received -> counter_sent ...), its entry in context.log, one more round.
 */
function appended(current, threadId, entry) {
  if (current === null) {
    return negotiationInput(classes, threadId, {
      events: ["send_offer"],
      context: { log: [entry] },
      roundCount: 1,
    });
  }
  const machine = current.stateMachine;
  machine.trigger(machine.state === "counter_received" ? "send_counter" : "receive_reply");
  return {
    ...current,
    context: { ...current.context, log: [...current.context.log, entry] },
    roundCount: current.roundCount + 1,
  };
}

async function changeByUpdate(store, threadId, entry, pauseMs) {
  await store.update(threadId, async (current) => {
    await sleep(pauseMs);
    return appended(current, threadId, entry);
  });
}

async function changeBySave(store, threadId, entry, pauseMs) {
  const current = await store.load(threadId);
  await sleep(pauseMs);
  await store.save(appended(current, threadId, entry));
}

try {
  if (mode === "open") {
    const stores = Number(rest[0] ?? 1);
    await ready();
    await Promise.all(
      Array.from({ length: stores }, async (_, index) => {
        const store = await openPostgresStore({ connectionString: url }, { schema });
        await store.save(negotiationInput(classes, `${name}-${index}`));
        await store.close();
      }),
    );
    console.log(`opened ${name}`);
  } else if (mode === "update" || mode === "save") {
    const [count, pauseMs, ...threads] = rest;
    const store = await openPostgresStore({ connectionString: url }, { schema });
    const change = mode === "update" ? changeByUpdate : changeBySave;
    await ready();
    for (let m = 0; m < Number(count); m++) {
      const threadId = threads[m % threads.length];
      await change(store, threadId, `${name}:${m}`, Number(pauseMs));
      console.log(`ack ${name}:${m} ${threadId}`);
    }
    await store.close();
    console.log("done");
  } else if (mode === "die") {
    const [count, threadId] = rest;
    const store = await openPostgresStore({ connectionString: url }, { schema });
    await ready();
    for (let m = 0; m < Number(count); m++) {
      await changeByUpdate(store, threadId, `${name}:${m}`, 0);
      console.log(`ack ${name}:${m} ${threadId}`);
    }
    await store.transaction(async (tx) => {
      await tx.update(threadId, (current) => appended(current, threadId, `${name}:uncommitted`));
      await tx.update(threadId, () => {
        console.log("inside");
        return new Promise(() => {});
      });
    });
    throw new Error("the transaction ended: the parent should have killed this process");
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
} catch (error) {
  console.log(`failed ${error?.code}: ${error?.message}`);
  process.exit(1);
}
process.exit(0);
