// `npm run bench:postgres` (`-- --quick` for a short run, not the figures of the README): the
// store on PostgreSQL side by side with bare node-postgres on one server (issue 14):
// 1. the latency of one awaited save, against a prepared upsert of the same row on a
//    `pg.Pool` of the same size (goal: within 1.2x), with the adapter alone between them;
// 2. save throughput with 1, 4 and 16 concurrent agents, each saving its own threads;
// 3. `update` throughput on 10 hot threads versus 1,000 cold ones, every transition counted.
// The server: NEGOTIATION_STATE_PG_URL, else a throwaway cluster (`--fsync=off` to run it
// as the tests do). Writes bench/results/postgres-<date>-<commit>.json (`--name=<name>`;
// `postgres-quick` for a quick run) and prints the tables.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { formatGoals } from "./goals.mjs";
import { adapter, bare, quoteIdentifier, store } from "./postgres-contenders.mjs";
import { interleavedPhases, pairedRatio } from "./postgres-phases.mjs";
import { latencyRatios, measurePostgresSaves } from "./postgres-save-latency.mjs";
import {
  checkPostgresGoals,
  postgresSaveTable,
  postgresThroughputTable,
  postgresUpdateTable,
} from "./postgres-tables.mjs";
import { withPostgres } from "./postgres-target.mjs";
import { measureUpdates } from "./postgres-updates.mjs";
import { count, machineInfo, writeRunResults } from "./report.mjs";
import { averageRowBytes } from "./rows.mjs";

const argument = (name) =>
  process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const quick = process.argv.includes("--quick");
const fsync = argument("fsync") ?? "on";
if (fsync !== "on" && fsync !== "off") throw new Error(`--fsync takes on or off, not ${fsync}`);

// Throughput phases are short and many: a load from other processes that comes and goes
// within seconds falls on both phases of a round alike, and each round's ratio counts.
const CONFIG = {
  poolSize: 16,
  agents: [1, 4, 16],
  threads: { hot: 10, cold: 1_000 },
  updateAgents: 16,
  ...(quick
    ? { size: 1_000, saveWarmup: 200, saveSamples: 1_000, rounds: 4, phaseMs: 300, warmupMs: 300 }
    : {
        size: 10_000,
        saveWarmup: 1_000,
        saveSamples: 10_000,
        rounds: 50,
        phaseMs: 300,
        warmupMs: 1_000,
      }),
};

/** Each agent of the throughput scenario saves its own threads, in turn. */
const THREADS_PER_AGENT = 64;
const THROUGHPUT_FIRST_ROW = 10_000_000;

const contenders = [store, adapter, bare];
const log = (line) => process.stderr.write(`${line}\n`);
const section = (title, body) => console.log(`\n${title}\n${body}`);

/** Whether every table holds the same rows, timestamps aside. */
async function compareRows(admin, schemas) {
  const digests = {};
  for (const [name, schema] of Object.entries(schemas)) {
    const { rows } = await admin.query(
      `SELECT count(*)::int AS rows, md5(string_agg(concat_ws(chr(31), thread_id, state,
        round_count, context_json, campaign_json, cpm_tracker_json, history_json), chr(30)
        ORDER BY thread_id)) AS digest
      FROM ${quoteIdentifier(schema)}.negotiation_state`,
    );
    digests[name] = rows[0];
  }
  const distinct = new Set(Object.values(digests).map((d) => `${d.rows} ${d.digest}`));
  return { same: distinct.size === 1, digests };
}

async function measureThroughput(cells) {
  const results = [];
  for (const agents of CONFIG.agents) {
    log(`  ${agents} agent${agents === 1 ? "" : "s"}`);
    const workloads = cells
      .filter(({ contender }) => contender !== adapter)
      .map(({ contender, handle }) => {
        const inputs = Array.from({ length: agents }, (_, agent) =>
          Array.from({ length: THREADS_PER_AGENT }, (_, j) =>
            contender.input(THROUGHPUT_FIRST_ROW + agent * THREADS_PER_AGENT + j, 1),
          ),
        );
        return {
          key: contender.name,
          agents,
          operation: (agent, k) => handle.save(inputs[agent][k % THREADS_PER_AGENT]),
        };
      });
    const measured = await interleavedPhases({
      cells: workloads,
      rounds: CONFIG.rounds,
      durationMs: CONFIG.phaseMs,
      warmupMs: CONFIG.warmupMs,
      log,
    });
    results.push({
      agents,
      store: measured.store,
      bare: measured.bare,
      storeVsBare: pairedRatio(measured.store, measured.bare),
    });
  }
  return results;
}

const started = Date.now();
const machine = machineInfo();
machine.versions.pg = JSON.parse(
  readFileSync(new URL("../node_modules/pg/package.json", import.meta.url), "utf8"),
).version;
// Other processes on the machine weigh on every contender alike (they take turns), but say how much.
machine.loadAverageAtStart = loadavg();
const rowBytes = averageRowBytes();

const { server, results } = await withPostgres(
  { names: contenders.map((c) => c.name), fsync, log },
  async ({ url, schemas, admin, server }) => {
    console.log(
      `negotiation-state ${machine.versions["negotiation-state"]} on PostgreSQL ${server.version} (fsync=${server.settings.fsync}, synchronous_commit=${server.settings.synchronous_commit}${server.throwaway ? ", a throwaway cluster" : ""})${quick ? " (quick: reduced sizes, not the figures of the README)" : ""}: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, pg ${machine.versions.pg}, rows of ${rowBytes} bytes, pools of ${CONFIG.poolSize} connections`,
    );
    const cells = [];
    try {
      for (const contender of contenders) {
        const handle = await contender.open(url, schemas[contender.name], CONFIG.poolSize);
        cells.push({ contender, handle });
        await handle.populate(Array.from({ length: CONFIG.size }, (_, i) => i));
      }

      log("1. save latency");
      const saves = await measurePostgresSaves({
        cells,
        size: CONFIG.size,
        warmup: CONFIG.saveWarmup,
        samples: CONFIG.saveSamples,
        log,
      });
      const saveRatios = {
        store: latencyRatios(saves, "store", "bare"),
        adapter: latencyRatios(saves, "adapter", "bare"),
      };
      const sameRows = await compareRows(admin, schemas);
      section(
        `Save latency (ms), one awaited save at a time, ${count(CONFIG.size)} rows and more in each table, contenders in turn`,
        `${postgresSaveTable(saves, saveRatios, contenders)}\nthe three tables hold the same column values: ${sameRows.same ? "yes" : "NO"}`,
      );

      log("2. save throughput");
      const throughput = await measureThroughput(cells);
      section(
        `Save throughput: concurrent agents, each saving its own ${THREADS_PER_AGENT} threads (median of ${CONFIG.rounds} rounds of ${CONFIG.phaseMs / 1000} s, contenders in turn; store/bare: median of each round's ratio, below 1.00× = fewer saves)`,
        postgresThroughputTable(throughput),
      );

      log("3. update, hot and cold threads");
      const updates = await measureUpdates({
        cells: cells.filter(({ contender }) => contender !== adapter),
        schemas,
        admin,
        threads: CONFIG.threads,
        agents: CONFIG.updateAgents,
        rounds: CONFIG.rounds,
        durationMs: CONFIG.phaseMs,
        warmupMs: CONFIG.warmupMs,
        log,
      });
      const cell = (contender, threads) =>
        updates.find((r) => r.contender === contender && r.threads === threads);
      const updateRatios = {
        "store hot/cold": pairedRatio(cell("store", "hot"), cell("store", "cold")),
        "bare hot/cold": pairedRatio(cell("bare", "hot"), cell("bare", "cold")),
        "store/bare hot": pairedRatio(cell("store", "hot"), cell("bare", "hot")),
        "store/bare cold": pairedRatio(cell("store", "cold"), cell("bare", "cold")),
      };
      section(
        `update: ${CONFIG.updateAgents} agents, each updating a random thread of the set (one transition, one round more; median of ${CONFIG.rounds} rounds of ${CONFIG.phaseMs / 1000} s, cells in turn; ratios: median of each round's); bare = BEGIN, SELECT ... FOR UPDATE, upsert, COMMIT`,
        postgresUpdateTable(updates, updateRatios),
      );
      return {
        server,
        results: {
          saves,
          saveRatios,
          sameRows,
          throughput,
          updates,
          updateRatios,
        },
      };
    } finally {
      for (const { handle } of cells) await handle.close();
    }
  },
);

machine.loadAverageAtEnd = loadavg();
const goals = checkPostgresGoals(results);
section(`Goals of issue 14${quick ? " (quick run)" : ""}`, formatGoals(goals));

const file = await writeRunResults(
  { prefix: "postgres-", given: argument("name"), quick, started, machine },
  {
    server,
    rowBytes,
    contenders: Object.fromEntries(contenders.map((c) => [c.name, c.label])),
    config: { ...CONFIG, threadsPerAgent: THREADS_PER_AGENT },
    results,
    goals,
  },
);
// As `npm run bench` formats its results, here, so that `-- --quick` reaches this script.
execFileSync(
  fileURLToPath(new URL("../node_modules/.bin/biome", import.meta.url)),
  ["format", "--write", file],
  { stdio: "ignore" },
);
console.log(
  `\nLoad average (1, 5, 15 min) at the start ${machine.loadAverageAtStart.map((l) => l.toFixed(1)).join(", ")}, at the end ${machine.loadAverageAtEnd.map((l) => l.toFixed(1)).join(", ")} on ${machine.cores} cores`,
);
console.log(`\nResults: ${file} (${Math.round((Date.now() - started) / 1000)} s)`);
