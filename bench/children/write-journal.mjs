// Child of the journal replay bench: saves rows 0..count-1 one after the other with the
// default file persistence, then SIGKILLs itself without close(), leaving every save in
// the journal.
import { journal } from "../ours.mjs";
import { negotiationInput } from "../rows.mjs";

const [path, count] = process.argv.slice(2);
const handle = await journal.open(path);
for (let i = 0; i < Number(count); i++) await handle.save(negotiationInput(i));
process.kill(process.pid, "SIGKILL");
