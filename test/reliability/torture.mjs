// The kill -9 torture test: round after round, a child process (torture-child.mjs) saves
// into the same database file and is killed with SIGKILL at a random moment; then the
// database is opened here and checked against the child's ack log:
//
// - every acknowledged save is there with its exact values: for each thread, the row holds
//   the last acknowledged version or a later one the child attempted (acknowledged but not
//   yet logged, or unacknowledged but durable), never an earlier one; an acknowledged
//   delete stays deleted unless a later save brings the thread back;
// - every row is whole: it holds exactly what negotiationSpec(thread, version) says, and
//   restoreActive rebuilds every active row;
// - a transaction is all or nothing: if one of its saves shows, all of its changes do;
// - nothing goes back in time: what one round saw on disk, later rounds see or supersede
//   (the hot thread's round_count never decreases);
// - PRAGMA integrity_check says ok.
//
// Usable as a CLI (`node test/reliability/torture.mjs --rounds 200 [--seed N] [--json]
// [--dir D]`; exit code 1 on a violation) and as a module (`runTorture`).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isDeepStrictEqual, parseArgs } from "node:util";
import {
  deserializeCampaign,
  deserializeCpmTracker,
  NegotiationStateMachine,
  NegotiationStateStore,
  openSqlJsAdapter,
  TERMINAL_STATES,
  toMoney,
} from "negotiation-state";
import { filePersistence } from "negotiation-state/file";
import { HOT_THREAD, negotiationSpec, walkMachine } from "../support/random-negotiation.mjs";
import { integerIn, seededRandom } from "../support/seeded-random.mjs";
import { ROUND_SPAN } from "./torture-child.mjs";

const CHILD = fileURLToPath(new URL("./torture-child.mjs", import.meta.url));
const DATABASE = "torture.db";
const JOURNAL_SUFFIX = ".ns-journal";
const READY_TIMEOUT_MS = 30_000;
const NOT_LOADED = "ERR_MODULE_NOT_FOUND";
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
/** Past this many, violations are counted but not kept. */
const VIOLATIONS_KEPT = 100;

/**
 * Runs the torture test.
 *
 * @param options.rounds - How many children to start and kill (200 by default).
 * @param options.seed - Seeds every random choice (delays, checkpoint sizes, the children's
 *   work); random by default. Timing still varies from run to run.
 * @param options.dir - A folder for the database and the ack logs, created if missing; it
 *   must not hold a database of an earlier run. A temp folder by default, removed at the
 *   end unless a violation was found.
 * @param options.minDelayMs - The shortest wait between "open" and SIGKILL (20).
 * @param options.maxDelayMs - The longest (300).
 * @param options.onRound - Called after each round with the figures so far.
 * @returns The figures; `violations` lists what went wrong (empty when all is well).
 */
export async function runTorture({
  rounds = 200,
  seed = Math.floor(Math.random() * 2 ** 31),
  dir,
  minDelayMs = 20,
  maxDelayMs = 300,
  onRound,
} = {}) {
  if (!Number.isSafeInteger(rounds) || rounds < 1) {
    throw new Error(`rounds: ${rounds} is not a positive integer`);
  }
  const startedAt = Date.now();
  const folder = dir ?? (await mkdtemp(join(tmpdir(), "negotiation-state-torture-")));
  await mkdir(join(folder, "acks"), { recursive: true });
  const databasePath = join(folder, DATABASE);
  if (existsSync(databasePath)) {
    throw new Error(`${databasePath} exists: the torture test starts from a fresh folder`);
  }
  const random = seededRandom(seed);
  const integer = (min, max) => integerIn(random, min, max);
  const model = new TortureModel();
  const figures = {
    seed,
    dir: folder,
    rounds: 0,
    kills: 0,
    killsBeforeOpen: 0,
    childFailures: 0,
    childRestarts: 0,
    operationsAttempted: 0,
    acksChecked: 0,
    savesAcked: 0,
    deletesAcked: 0,
    transactionsAcked: 0,
    maxAcksInRound: 0,
    roundsWithAcks: 0,
    roundsWithWorkInFlight: 0,
    operationsInFlightAtKill: 0,
    durableBeyondLoggedAck: 0,
    roundsWithSmallCheckpointBytes: 0,
    killsMidCheckpoint: 0,
    roundsWithJournalLeft: 0,
    staleLocksLeft: 0,
    childLockTakeovers: 0,
    verifiedInPlace: 0,
    verifiedOnCopy: 0,
    rowsChecked: 0,
    transactionsChecked: 0,
    hotRoundCount: null,
    violationCount: 0,
    violations: [],
    elapsedMs: 0,
  };
  const violation = (round, message) => {
    figures.violationCount += 1;
    if (figures.violations.length < VIOLATIONS_KEPT) {
      figures.violations.push(`round ${round}: ${message}`);
    }
  };

  for (let round = 0; round < rounds; round++) {
    if (round >= Number.MAX_SAFE_INTEGER / ROUND_SPAN) throw new Error("too many rounds");
    const checkpointBytes = random() < 0.6 ? integer(4 * 1024, 256 * 1024) : 0;
    if (checkpointBytes > 0) figures.roundsWithSmallCheckpointBytes += 1;
    // Now and then the clock starts at the spawn, so that some kills land while opening.
    const fromSpawn = random() < 0.1;
    const delayMs = fromSpawn ? integer(60, 260) : integer(minDelayMs, maxDelayMs);
    const ackLog = join(folder, "acks", `round-${round}.log`);
    const childSeed = integer(0, 2 ** 31 - 1);

    if (existsSync(`${databasePath}.lock`)) figures.childLockTakeovers += 1;
    let run;
    for (let attempt = 1; ; attempt++) {
      run = await runChild(
        [databasePath, ackLog, String(childSeed), String(round), String(checkpointBytes)],
        { fromSpawn, delayMs },
      );
      // A child that could not even load the package (dist/ being rebuilt by someone else)
      // ran none of its code: start it again rather than call that a violation.
      if (run.killed || run.opened || attempt === 5 || !run.stderr.includes(NOT_LOADED)) break;
      figures.childRestarts += 1;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    figures.rounds += 1;
    const log = await readAckLog(ackLog);
    if (run.killed) {
      figures.kills += 1;
      if (!run.opened) figures.killsBeforeOpen += 1;
    } else {
      figures.childFailures += 1;
      violation(
        round,
        `the child ended on its own (${run.exit.signal ?? `exit code ${run.exit.code}`}${run.opened ? "" : ", before opening"}): ${[...log.errors, run.stderr.trim()].filter(Boolean).join(" / ") || "no message"}`,
      );
    }
    for (const problem of log.problems) violation(round, problem);

    figures.operationsAttempted += log.intents.length;
    figures.acksChecked += log.acks.length;
    figures.maxAcksInRound = Math.max(figures.maxAcksInRound, log.acks.length);
    if (log.acks.length > 0) figures.roundsWithAcks += 1;
    const inFlight = log.intents.length - log.acks.length;
    if (inFlight > 0) figures.roundsWithWorkInFlight += 1;
    figures.operationsInFlightAtKill += inFlight;
    const transactions = new Set();
    for (const ack of log.acks) {
      if (ack.op === "save") figures.savesAcked += 1;
      else figures.deletesAcked += 1;
      if (ack.txId !== null) transactions.add(ack.txId);
    }
    figures.transactionsAcked += transactions.size;

    // What the kill left behind.
    const names = await readdir(folder);
    if (names.some((name) => name.startsWith(`${DATABASE}.tmp-`))) figures.killsMidCheckpoint += 1;
    if ((await sizeOf(`${databasePath}${JOURNAL_SUFFIX}`)) > 0) figures.roundsWithJournalLeft += 1;
    if (existsSync(`${databasePath}.lock`)) figures.staleLocksLeft += 1;

    // Mostly in place (this process takes over the dead child's lock, replays the journal
    // and checkpoints on close); now and then on a copy, so that the next child does that.
    const onCopy = random() < 0.3;
    let seen;
    try {
      seen = onCopy
        ? await inspectCopy(folder, round)
        : await inspect(databasePath, (problem) => violation(round, problem));
    } catch (error) {
      violation(round, `cannot open the database: ${error?.stack ?? error}`);
      break;
    }
    if (onCopy) figures.verifiedOnCopy += 1;
    else figures.verifiedInPlace += 1;
    for (const problem of seen.problems) violation(round, problem);
    figures.rowsChecked += seen.rows.size;

    const result = model.check(log, seen.rows);
    for (const problem of result.problems) violation(round, problem);
    figures.durableBeyondLoggedAck += result.durableBeyondLoggedAck;
    figures.transactionsChecked += result.transactionsChecked;

    const hot = seen.rows.get(HOT_THREAD);
    if (hot !== undefined) {
      if (figures.hotRoundCount !== null && hot.roundCount < figures.hotRoundCount) {
        violation(
          round,
          `the hot thread went back in time: round_count ${hot.roundCount} < ${figures.hotRoundCount}`,
        );
      }
      figures.hotRoundCount = hot.roundCount;
    } else if (figures.hotRoundCount !== null) {
      violation(round, "the hot thread is gone");
    }
    onRound?.({ ...figures, elapsedMs: Date.now() - startedAt });
  }

  figures.elapsedMs = Date.now() - startedAt;
  if (dir === undefined && figures.violationCount === 0) {
    await rm(folder, { recursive: true, force: true });
  }
  return figures;
}

/** Starts a child, kills it with SIGKILL after the delay, and waits until it is gone. */
async function runChild(args, { fromSpawn, delayMs }) {
  const child = spawn(process.execPath, [CHILD, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  let stdout = "";
  let opened = false;
  const exited = new Promise((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const ready = new Promise((resolve) =>
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      if (!opened && stdout.includes("ready\n")) {
        opened = true;
        resolve();
      }
    }),
  );
  child.stderr.on("data", (chunk) => {
    if (stderr.length < 10_000) stderr += chunk;
  });
  let running = true;
  exited.then(() => {
    running = false;
  });

  if (!fromSpawn) await raceWithTimer(Promise.race([ready, exited]), READY_TIMEOUT_MS);
  if (running && (opened || fromSpawn)) await raceWithTimer(exited, delayMs);
  const killed = running && child.kill("SIGKILL");
  const exit = await exited;
  return { killed: killed && exit.signal === "SIGKILL", opened, exit, stderr };
}

/** Waits for `promise` or `ms` milliseconds, whichever comes first, leaving no timer behind. */
async function raceWithTimer(promise, ms) {
  let timer;
  const elapsed = new Promise((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await Promise.race([promise, elapsed]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reads one round's ack log. A last line without its newline is a write the kill cut
 * short (it never is, since each line is one write(2), but it would carry no promise).
 */
async function readAckLog(path) {
  const text = await readFile(path, "utf8").catch((error) => {
    if (error.code === "ENOENT") return "";
    throw error;
  });
  const lines = text.split("\n");
  lines.pop();
  const log = { intents: [], acks: [], errors: [], problems: [] };
  for (const line of lines) {
    let record;
    try {
      record = JSON.parse(line);
    } catch {
      log.problems.push(`the ack log holds an unreadable line: ${line.slice(0, 200)}`);
      continue;
    }
    const [kind, op, threadId, version, txId] = record;
    if (kind === "I" || kind === "A") {
      (kind === "I" ? log.intents : log.acks).push({ op, threadId, version, txId });
    } else if (kind === "E") {
      log.errors.push(op);
    }
  }
  return log;
}

async function sizeOf(path) {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/** Inspects a copy of the database, its journal and the dead child's lock. */
async function inspectCopy(folder, round) {
  const copy = join(folder, `copy-${round}`);
  await mkdir(copy, { recursive: true });
  try {
    for (const suffix of ["", JOURNAL_SUFFIX, ".lock"]) {
      const from = join(folder, `${DATABASE}${suffix}`);
      if (existsSync(from)) await copyFile(from, join(copy, `${DATABASE}${suffix}`));
    }
    const problems = [];
    const seen = await inspect(join(copy, DATABASE), (problem) => problems.push(problem));
    return { ...seen, problems: [...seen.problems, ...problems] };
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
}

/**
 * Opens the database as an agent would after a crash (taking over the dead child's lock),
 * checks its integrity and every row, and closes it.
 *
 * @returns `rows`: thread id -> { version, roundCount } of every row; `problems`.
 */
async function inspect(databasePath, report) {
  const problems = [];
  const rows = new Map();
  const adapter = await openSqlJsAdapter({ persistence: filePersistence(databasePath) });
  try {
    const integrity = await adapter.all("PRAGMA integrity_check");
    if (integrity.length !== 1 || integrity[0].integrity_check !== "ok") {
      problems.push(`PRAGMA integrity_check: ${JSON.stringify(integrity)}`);
    }
    const stored = await adapter.all("SELECT * FROM negotiation_state");
    let restored = [];
    try {
      restored = await new NegotiationStateStore(adapter).restoreActive();
    } catch (error) {
      problems.push(`restoreActive failed: ${error}`);
    }
    const restoredByThread = new Map(
      restored.map((negotiation) => [negotiation.threadId, negotiation]),
    );
    for (const row of stored) {
      const { version, problems: rowProblems } = checkRow(row, restoredByThread.get(row.thread_id));
      for (const problem of rowProblems)
        problems.push(`row ${JSON.stringify(row.thread_id)}: ${problem}`);
      if (version !== undefined) rows.set(row.thread_id, { version, roundCount: row.round_count });
    }
    const active = stored.filter((row) => !TERMINAL_STATES.has(row.state)).length;
    if (restored.length !== active) {
      problems.push(
        `restoreActive returned ${restored.length} negotiations for ${active} active rows`,
      );
    }
  } finally {
    await adapter.close();
  }
  if (existsSync(`${databasePath}.lock`)) report("the lock file is still there after close()");
  const temp = (await readdir(dirname(databasePath))).filter((name) =>
    name.startsWith(`${basename(databasePath)}.tmp-`),
  );
  if (temp.length > 0) report(`temp files are still there after close(): ${temp.join(", ")}`);
  const journalLeft = await sizeOf(`${databasePath}${JOURNAL_SUFFIX}`);
  if (existsSync(`${databasePath}${JOURNAL_SUFFIX}`)) {
    report(`the journal is still there after close() (${journalLeft} bytes)`);
  }
  return { rows, problems };
}

/**
 * Checks one row against what the child writes for its thread and version, column by
 * column, and against what restoreActive rebuilt from it.
 */
function checkRow(row, restored) {
  const problems = [];
  let context;
  try {
    context = JSON.parse(row.context_json);
  } catch (error) {
    return { version: undefined, problems: [`context_json does not parse: ${error}`] };
  }
  const version = context?.version;
  if (!Number.isSafeInteger(version)) {
    return { version: undefined, problems: [`context_json has no version: ${row.context_json}`] };
  }
  const spec = negotiationSpec(row.thread_id, version);
  const machine = walkMachine(new NegotiationStateMachine(), row.thread_id, spec);
  const { state } = machine;
  const history = machine.history.map((entry) => [...entry]);
  const expect = (what, actual, expected) => {
    if (!isDeepStrictEqual(actual, expected)) {
      problems.push(
        `version ${version}: ${what} is ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`,
      );
    }
  };
  const sameMoney = (what, actual, expected) => {
    let equal = false;
    try {
      equal = toMoney(actual, what).eq(toMoney(expected, what));
    } catch {}
    if (!equal) expect(what, actual, expected);
  };
  const parse = (what, text) => {
    try {
      return JSON.parse(text);
    } catch (error) {
      problems.push(`version ${version}: ${what} does not parse: ${error}`);
      return undefined;
    }
  };

  expect("state", row.state, state);
  expect("history_json", parse("history_json", row.history_json), history);
  expect("round_count", row.round_count, spec.roundCount);
  expect("context_json", context, spec.context);
  for (const column of ["created_at", "updated_at"]) {
    if (!TIMESTAMP.test(row[column])) expect(column, row[column], "YYYY-MM-DDTHH:MM:SSZ");
  }

  const campaign = parse("campaign_json", row.campaign_json);
  if (campaign !== undefined) {
    const wanted = spec.campaign;
    for (const key of ["campaign_id", "client_name", "target_deliverables", "created_at"]) {
      expect(`campaign_json.${key}`, campaign[key], wanted[key]);
    }
    expect("campaign_json.platform", campaign.platform, wanted.platform);
    expect("campaign_json.written_by", campaign.written_by, wanted.written_by);
    expect(
      "campaign_json.influencers[0].name",
      campaign.influencers?.[0]?.name,
      wanted.influencers[0].name,
    );
    sameMoney("campaign_json.budget", campaign.budget, wanted.budget);
    sameMoney(
      "campaign_json.cpm_range.min_cpm",
      campaign.cpm_range?.min_cpm,
      wanted.cpm_range.min_cpm,
    );
    sameMoney(
      "campaign_json.cpm_range.max_cpm",
      campaign.cpm_range?.max_cpm,
      wanted.cpm_range.max_cpm,
    );
  }

  const tracker = parse("cpm_tracker_json", row.cpm_tracker_json);
  if (tracker !== undefined) {
    const wanted = spec.tracker;
    expect("cpm_tracker_json.campaign_id", tracker.campaign_id, wanted.campaignId);
    expect(
      "cpm_tracker_json.total_influencers",
      tracker.total_influencers,
      wanted.totalInfluencers,
    );
    sameMoney("cpm_tracker_json.target_min_cpm", tracker.target_min_cpm, wanted.minCpm);
    sameMoney("cpm_tracker_json.target_max_cpm", tracker.target_max_cpm, wanted.maxCpm);
    const agreements = tracker.agreements ?? [];
    expect("the number of agreements", agreements.length, wanted.agreements.length);
    wanted.agreements.forEach((agreement, index) => {
      sameMoney(`cpm_tracker_json.agreements[${index}].cpm`, agreements[index]?.cpm, agreement.cpm);
      expect(
        `cpm_tracker_json.agreements[${index}].engagement_rate`,
        agreements[index]?.engagement_rate,
        agreement.engagementRate,
      );
    });
  }

  // The domain objects: restoreActive's for an active row, rebuilt here for a finished one.
  if (TERMINAL_STATES.has(row.state)) {
    if (restored !== undefined)
      problems.push(`restoreActive returned the finished row (${row.state})`);
    try {
      NegotiationStateMachine.fromSnapshot(row.state, JSON.parse(row.history_json));
      deserializeCampaign(row.campaign_json);
      deserializeCpmTracker(JSON.parse(row.cpm_tracker_json));
    } catch (error) {
      problems.push(`version ${version}: the finished row does not rebuild: ${error}`);
    }
  } else if (restored === undefined) {
    problems.push(`version ${version}: restoreActive did not return this active row`);
  } else {
    expect("the restored state", restored.stateMachine.state, state);
    expect(
      "the restored history",
      restored.stateMachine.history.map((entry) => [...entry]),
      history,
    );
    expect("the restored roundCount", restored.roundCount, spec.roundCount);
    expect("the restored context", restored.context, spec.context);
    expect("the restored campaign_id", restored.campaign.campaign_id, spec.campaign.campaign_id);
    sameMoney("the restored budget", restored.campaign.budget, spec.campaign.budget);
    const agreements = restored.cpmTracker.agreements;
    expect("the restored number of agreements", agreements.length, spec.tracker.agreements.length);
    spec.tracker.agreements.forEach((agreement, index) => {
      sameMoney(`the restored agreement ${index}`, agreements[index]?.cpm, agreement.cpm);
    });
  }
  return { version, problems };
}

/**
 * What the rounds so far prove about each thread, and the check of one round.
 *
 * For each thread, a floor: the version of an operation (save: "row", delete: "absent")
 * known to have reached the disk, from an ack or from what an earlier round saw there.
 * The thread's state must be the result of that operation or of a later attempted one:
 * a row of version r needs an attempted save r with r > floor (or r = floor for a "row"
 * floor); no row needs floor "absent", or an attempted delete after a "row" floor.
 */
class TortureModel {
  /** thread -> { ops: Map<version, op>, lastDelete, lastVersion, floor } */
  #threads = new Map();

  #thread(threadId) {
    let thread = this.#threads.get(threadId);
    if (thread === undefined) {
      thread = { ops: new Map(), lastDelete: -1, lastVersion: -1, floor: undefined };
      this.#threads.set(threadId, thread);
    }
    return thread;
  }

  check(log, rows) {
    const problems = [];
    const transactions = new Map();
    for (const { op, threadId, version, txId } of log.intents) {
      const thread = this.#thread(threadId);
      thread.ops.set(version, op);
      thread.lastVersion = Math.max(thread.lastVersion, version);
      if (op === "delete") thread.lastDelete = Math.max(thread.lastDelete, version);
      if (txId !== null) {
        if (!transactions.has(txId)) transactions.set(txId, []);
        transactions.get(txId).push({ op, threadId, version });
      }
    }
    const ackFloors = new Map();
    for (const { op, threadId, version } of log.acks) {
      if (this.#thread(threadId).ops.get(version) !== op) {
        problems.push(`ack of ${op} ${threadId} v${version} without its intent`);
      }
      const floor = ackFloors.get(threadId);
      if (floor === undefined || version > floor.version) {
        ackFloors.set(threadId, {
          version,
          kind: op === "save" ? "row" : "absent",
          from: "acknowledged",
        });
      }
    }
    for (const threadId of rows.keys()) this.#thread(threadId);

    let durableBeyondLoggedAck = 0;
    for (const [threadId, thread] of this.#threads) {
      const ack = ackFloors.get(threadId);
      const floor =
        ack !== undefined && (thread.floor === undefined || ack.version > thread.floor.version)
          ? ack
          : thread.floor;
      const row = rows.get(threadId);
      const name = JSON.stringify(threadId);
      if (row !== undefined) {
        const behind =
          floor !== undefined &&
          (row.version < floor.version || (row.version === floor.version && floor.kind !== "row"));
        if (behind) {
          problems.push(
            `${name} went back: it holds version ${row.version}, but ${floor.kind === "row" ? "the save" : "the delete"} of version ${floor.version} was ${floor.from}`,
          );
        } else if (thread.ops.get(row.version) !== "save") {
          problems.push(`${name} holds version ${row.version}, which no save wrote`);
        } else if (row.version > (ack?.version ?? -1) && row.version > (floor?.version ?? -1)) {
          durableBeyondLoggedAck += 1;
        }
        thread.floor = { version: row.version, kind: "row", from: "seen by an earlier round" };
      } else {
        if (floor?.kind === "row" && thread.lastDelete < floor.version) {
          problems.push(
            `${name} is missing, but the save of version ${floor.version} was ${floor.from} and no delete came after it`,
          );
        }
        if (thread.lastVersion >= 0) {
          thread.floor = {
            version: thread.lastVersion,
            kind: "absent",
            from: "seen by an earlier round",
          };
        }
      }
      // Versions below the floor can no longer show up.
      for (const version of thread.ops.keys()) {
        if (version < thread.floor?.version) thread.ops.delete(version);
      }
    }

    // All or nothing: once one save of a transaction shows, every change of it must have
    // reached the disk (it shows, or a later operation replaced it).
    for (const [txId, ops] of transactions) {
      const shows = ops.some(
        ({ op, threadId, version }) => op === "save" && rows.get(threadId)?.version === version,
      );
      if (!shows) continue;
      for (const { op, threadId, version } of ops) {
        const row = rows.get(threadId);
        const applied =
          op === "save"
            ? row !== undefined
              ? row.version >= version
              : this.#thread(threadId).lastDelete > version
            : row === undefined || row.version > version;
        if (!applied) {
          problems.push(
            `transaction ${txId} is half-applied: its ${op} of ${JSON.stringify(threadId)} v${version} is missing (${row === undefined ? "no row" : `row at v${row.version}`})`,
          );
        }
      }
    }
    return { problems, durableBeyondLoggedAck, transactionsChecked: transactions.size };
  }
}

function summary(figures) {
  const lines = [
    `seed ${figures.seed}: ${figures.rounds} rounds, ${figures.kills} kills by SIGKILL (${figures.killsBeforeOpen} before the child had opened), ${figures.childFailures} children that ended on their own, ${figures.childRestarts} restarted as they could not load the package`,
    `${figures.operationsAttempted} operations attempted, ${figures.acksChecked} acknowledgments checked (${figures.savesAcked} saves, ${figures.deletesAcked} deletes; ${figures.transactionsAcked} transactions), at most ${figures.maxAcksInRound} in a round`,
    `${figures.roundsWithAcks} rounds with acknowledged work, ${figures.roundsWithWorkInFlight} with work in flight at the kill (${figures.operationsInFlightAtKill} operations); ${figures.durableBeyondLoggedAck} rows durable beyond their last logged ack`,
    `${figures.roundsWithSmallCheckpointBytes} rounds with a small checkpointBytes, ${figures.killsMidCheckpoint} kills mid-checkpoint (a temp file left), ${figures.roundsWithJournalLeft} with a journal left, ${figures.staleLocksLeft} stale locks left (${figures.childLockTakeovers} taken over by the next child)`,
    `${figures.verifiedInPlace} checks in place, ${figures.verifiedOnCopy} on a copy; ${figures.rowsChecked} rows and ${figures.transactionsChecked} transactions checked; hot thread round_count ${figures.hotRoundCount}`,
    `${figures.violationCount} violations, ${(figures.elapsedMs / 1000).toFixed(1)} s`,
    ...figures.violations.map((violation) => `  ${violation}`),
  ];
  if (figures.violationCount > 0) lines.push(`kept: ${figures.dir}`);
  return lines.join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values } = parseArgs({
    options: {
      rounds: { type: "string", default: "200" },
      seed: { type: "string" },
      dir: { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  const figures = await runTorture({
    rounds: Number(values.rounds),
    ...(values.seed !== undefined && { seed: Number(values.seed) }),
    ...(values.dir !== undefined && { dir: values.dir }),
    onRound: (sofar) => {
      if (!values.json && sofar.rounds % 10 === 0) {
        process.stderr.write(
          `round ${sofar.rounds}: ${sofar.acksChecked} acks checked, ${sofar.violationCount} violations\n`,
        );
      }
    },
  });
  process.stdout.write(`${values.json ? JSON.stringify(figures, null, 2) : summary(figures)}\n`);
  process.exitCode = figures.violationCount === 0 ? 0 : 1;
}
