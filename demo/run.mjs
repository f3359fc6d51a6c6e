// `npm run demo`: an agent negotiates three influencer rates into ./data/negotiations.db,
// is killed with SIGKILL half-way, and a restarted agent recovers every negotiation from
// the file. No network.
import { spawn } from "node:child_process";
import { mkdir, rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const agent = fileURLToPath(new URL("./agent.mjs", import.meta.url));
const database = "data/negotiations.db";
const KILL_AFTER_SAVES = 11;

await mkdir("data", { recursive: true });
await rm(database, { force: true });
await rm(`${database}.lock`, { force: true });

console.log(`Agent negotiating with three influencers in ${database} ...`);
const acknowledged = new Map();
await new Promise((resolve, reject) => {
  const child = spawn(process.execPath, [agent, "negotiate", database], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let saves = 0;
  let pending = "";
  child.stdout.on("data", (chunk) => {
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop();
    for (const line of lines) {
      if (saves === KILL_AFTER_SAVES) break;
      const [, thread, state, round] = line.split(" ");
      acknowledged.set(thread, { state, round });
      saves += 1;
      console.log(
        `  save ${String(saves).padStart(2)} acknowledged: ${thread.padEnd(16)} ${state} (round ${round})`,
      );
      if (saves === KILL_AFTER_SAVES) {
        child.kill("SIGKILL");
        console.log(
          `\nKilled the agent with SIGKILL after ${saves} acknowledged saves, mid-negotiation.\n`,
        );
      }
    }
  });
  child.on("exit", (code, signal) =>
    signal === "SIGKILL"
      ? resolve()
      : reject(new Error(`the agent ended on its own (code ${code}) before it was killed`)),
  );
});

console.log(
  "Restarting the agent; it recovers from the file (taking over the dead agent's lock):\n",
);
const recovered = await new Promise((resolve, reject) => {
  const child = spawn(process.execPath, [agent, "recover", database], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => {
    output += chunk;
  });
  child.on("exit", (code) =>
    code === 0 ? resolve(JSON.parse(output)) : reject(new Error(`recovery failed (code ${code})`)),
  );
});

printTable(recovered);

const finished = new Set(["agreed", "rejected", "stopped"]);
const lost = [...acknowledged].filter(([thread, { state, round }]) => {
  const row = recovered.find((negotiation) => negotiation.thread === thread);
  return finished.has(state) ? row !== undefined : row?.state !== state || row?.round !== round;
});
if (lost.length > 0) {
  console.error(`\nLOST: ${lost.map(([thread]) => thread).join(", ")}`);
  process.exit(1);
}
console.log(
  `\nEvery acknowledged save came back exactly as it was (${acknowledged.size} negotiations).`,
);

function printTable(rows) {
  const columns = Object.keys(rows[0] ?? { thread: "" });
  const widths = columns.map((column) =>
    Math.max(column.length, ...rows.map((row) => row[column].length)),
  );
  const line = (cells) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  console.log(line(columns));
  console.log(line(widths.map((width) => "-".repeat(width))));
  for (const row of rows) console.log(line(columns.map((column) => row[column])));
}
