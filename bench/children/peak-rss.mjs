// Child of the peak RSS bench, in a fresh process: opens a populated database, saves
// `saves` times (alternately an existing row and a new one), restores the active
// negotiations, and prints its peak resident set size as JSON.
import { journal } from "../ours.mjs";
import { sqlite } from "../sqlite.mjs";

const [name, path, size, saves] = process.argv
  .slice(2)
  .map((arg, i) => (i < 2 ? arg : Number(arg)));
const contender = { journal, sqlite }[name];
const handle = await contender.open(path);
for (let k = 0; k < saves; k++) {
  await handle.save(
    k % 2 === 0 ? contender.input((k * 7919) % size, k + 1) : contender.input(size + k),
  );
}
const restored = (await handle.restore()).length;
await handle.close();
// maxRSS is in kilobytes.
console.log(JSON.stringify({ maxRssBytes: process.resourceUsage().maxRSS * 1024, restored }));
