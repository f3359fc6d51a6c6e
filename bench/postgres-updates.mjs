// PostgreSQL scenario 3: `update` throughput on a few hot threads versus many cold ones.
// Concurrent agents each update a random thread of the set, appending one transition and
// bumping the round; at the end the rows must hold exactly one transition and one round
// per update that resolved: none lost, none applied twice.
import { seededRandom, seedOf } from "../test/support/seeded-random.mjs";
import { quoteIdentifier } from "./postgres-contenders.mjs";
import { interleavedPhases } from "./postgres-phases.mjs";
import { serializedRow } from "./rows.mjs";

/** The rows' start: in counter_received after send_offer and receive_reply, round 2. */
const INITIAL = 2;

/** Row indices `first`, `first + 10`...: the index modulo 10 picks the path, 2 counter_received. */
function threadSet(name, first, count) {
  const indices = Array.from({ length: count }, (_, k) => first + 10 * k);
  return { name, indices, threadIds: indices.map((index) => serializedRow(index).thread_id) };
}

/**
 * @param {object} options
 * @param {{ contender: object, handle: object }[]} options.cells open contenders with `update`
 * @param {Record<string, string>} options.schemas each contender's schema
 * @param {import("pg").Client} options.admin
 * @param {{ hot: number, cold: number }} options.threads how many threads in each set
 * @param {number} options.agents
 * @param {number} options.rounds
 * @param {number} options.durationMs
 * @param {number} options.warmupMs
 * @param {(line: string) => void} options.log
 */
export async function measureUpdates({ cells, schemas, admin, threads, agents, ...phases }) {
  const sets = [
    threadSet("hot", 20_000_002, threads.hot),
    threadSet("cold", 30_000_002, threads.cold),
  ];
  for (const set of sets) {
    for (const { handle } of cells) await handle.populate(set.indices);
  }
  const workloads = sets.flatMap((set) =>
    cells.map(({ contender, handle }) => {
      const key = `${contender.name} ${set.name}`;
      const pickers = Array.from({ length: agents }, (_, agent) =>
        seededRandom(seedOf(`${key} ${agent}`)),
      );
      const operation = (agent) =>
        handle.update(set.threadIds[Math.floor(pickers[agent]() * set.threadIds.length)]);
      return { key, contender: contender.name, set, agents, operation };
    }),
  );
  const measured = await interleavedPhases({ cells: workloads, ...phases });
  const results = [];
  for (const { key, contender, set } of workloads) {
    const table = `${quoteIdentifier(schemas[contender])}.negotiation_state`;
    const { rows } = await admin.query(
      `SELECT count(*)::int AS rows,
        coalesce(sum(jsonb_array_length(history_json::jsonb)), 0)::int AS transitions,
        coalesce(sum(round_count), 0)::int AS rounds
      FROM ${table} WHERE thread_id = ANY($1::text[])`,
      [set.threadIds],
    );
    const found = rows[0];
    const { acknowledged } = measured[key];
    const transitions = found.transitions - INITIAL * found.rows;
    const roundsBumped = found.rounds - INITIAL * found.rows;
    results.push({
      contender,
      threads: set.name,
      threadCount: set.threadIds.length,
      agents,
      ...measured[key],
      transitions,
      roundsBumped,
      lost: acknowledged - transitions,
      exact: transitions === acknowledged && roundsBumped === acknowledged,
    });
  }
  return results;
}
