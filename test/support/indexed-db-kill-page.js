// The page of the IndexedDB kill test (test/reliability/indexed-db-kill.test.ts), bundled
// by esbuild with the built package. Loaded as `/?seed=S&round=R&checkpoint=B` (and
// `&final`), it opens the database, POSTs every row it finds to /report, and once the
// server has taken them, runs the round's steps until Chromium is killed, POSTing each
// acknowledgement the moment its promise resolves, and the start and end of each checkpoint
// worker. With `final`, it closes the store instead.
import {
  CampaignCPMTracker,
  initNegotiationStateTable,
  NegotiationStateMachine,
  NegotiationStateStore,
  openSqlJsAdapter,
} from "negotiation-state";
import { indexedDbPersistence } from "negotiation-state/indexeddb";
import { KILL_DATABASE, ROUND_STEPS, roundSteps } from "./indexed-db-kill-workload.ts";
import { randomNegotiation } from "./random-negotiation.mjs";

const CLASSES = { NegotiationStateMachine, CampaignCPMTracker };

const params = new URLSearchParams(location.search);
const seed = Number(params.get("seed"));
const round = Number(params.get("round"));
const checkpointBytes = Number(params.get("checkpoint"));

const report = (body) =>
  fetch("/report", { method: "POST", body: JSON.stringify({ round, ...body }) });
const reportError = (error) =>
  void report({ type: "error", message: String(error?.stack ?? error) });

// The checkpoint workers the store starts, reported as they start and end: the test counts
// the kills that struck while one was writing.
const PlatformWorker = globalThis.Worker;
globalThis.Worker = class ReportedWorker extends PlatformWorker {
  constructor(script, options) {
    super(script, options);
    void report({ type: "checkpoint-started" });
  }
  terminate() {
    void report({ type: "checkpoint-ended" });
    super.terminate();
  }
};

addEventListener("error", (event) => reportError(event.error ?? event.message));
addEventListener("unhandledrejection", (event) => reportError(event.reason));

function perform(store, unit) {
  if (unit.transaction) {
    return store.transaction(async (tx) => {
      for (const { op, threadId, version } of unit.ops) {
        if (op === "save") await tx.save(randomNegotiation(CLASSES, threadId, version));
        else await tx.delete(threadId);
      }
    });
  }
  const [{ op, threadId, version }] = unit.ops;
  return op === "save"
    ? store.save(randomNegotiation(CLASSES, threadId, version))
    : store.delete(threadId);
}

async function main() {
  const adapter = await openSqlJsAdapter({
    persistence: indexedDbPersistence(
      KILL_DATABASE,
      checkpointBytes > 0 ? { checkpointBytes } : {},
    ),
  });
  await initNegotiationStateTable(adapter);
  const store = new NegotiationStateStore(adapter, { ownsAdapter: true });
  const rows = await adapter.all("SELECT * FROM negotiation_state ORDER BY thread_id");
  const integrity = await adapter.all("PRAGMA integrity_check");
  // The steps start only once the server holds what was found: it checks every round's
  // work against the state the round started from.
  const taken = await report({ type: "state", rows, integrity });
  if (!taken.ok) throw new Error(`the server refused the state: ${taken.status}`);
  if (params.has("final")) {
    await store.close();
    await report({ type: "closed" });
    return;
  }
  for (const step of roundSteps(seed, round, ROUND_STEPS)) {
    await Promise.all(
      step.map((unit) =>
        perform(store, unit).then(() => void report({ type: "ack", unit: unit.id })),
      ),
    );
  }
  // More steps than a round has time for: running out is reported, not hidden.
  await report({ type: "exhausted" });
}

main().catch(reportError);
