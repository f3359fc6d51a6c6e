/**
 * `--help`: what the help says is ours (the commands, their arguments, options and
 * descriptions); how commander lays it out (headings, indents, wrapping) is not, so the
 * help is read with its white space folded.
 */
import { describe, expect, it } from "vitest";
import { JOURNAL_SUFFIX } from "../../src/persistence/file-persistence.js";
import { runCli } from "./run-cli.js";

/** Each command: its usage after `negotiation-state <command>`, and what its help names. */
const COMMANDS: Record<string, { usage: string; mentions: string[] }> = {
  list: {
    usage: "[options] <database>",
    mentions: [
      "--all",
      "--state <state...>",
      "--campaign <campaign_id>",
      "--json",
      "--sort <order>",
      "-n, --limit <n>",
      "Most recently updated first",
    ],
  },
  show: { usage: "[options] <database> <thread>", mentions: ["--json"] },
  history: { usage: "[options] <database> <thread>", mentions: ["--json"] },
  stats: { usage: "[options] <database>", mentions: ["--json"] },
  export: { usage: "[options] <database>", mentions: ["--out"] },
  import: { usage: "[options] <database> <file>", mentions: [] },
  verify: { usage: "[options] <database>", mentions: [] },
  checkpoint: { usage: "[options] <database>", mentions: ["--wait <ms>"] },
  repair: {
    usage: "[options] <database>",
    mentions: [`<database>${JOURNAL_SUFFIX}.damaged-<UTC time>`],
  },
};

/** Text with every run of white space folded to one space. */
const folded = (text: string) => text.replace(/\s+/g, " ");

describe("--help", () => {
  it("of the program and of every command exits 0 and names the commands, their arguments and options", async () => {
    const program = await runCli(["--help"]);
    expect({ status: program.status, stderr: program.stderr }).toEqual({ status: 0, stderr: "" });
    const text = folded(program.stdout);
    expect(text).toContain("negotiation-state [options] [command]");
    expect(text).toContain("-V, --version print the version of negotiation-state");
    for (const command of Object.keys(COMMANDS)) {
      expect(program.stdout).toMatch(new RegExp(`^ +${command} .*<database>`, "m"));
    }
    expect(text).toMatch(/ repair <database> cut a damaged journal/);

    await Promise.all(
      Object.entries(COMMANDS).map(async ([command, { usage, mentions }]) => {
        const { status, stdout, stderr } = await runCli([command, "--help"]);
        expect({ command, status, stderr }).toEqual({ command, status: 0, stderr: "" });
        const help = folded(stdout);
        expect(help).toContain(`negotiation-state ${command} ${usage}`);
        expect(help).toContain("database the database file");
        for (const mention of [...mentions, "-h, --help"]) expect(help, command).toContain(mention);
      }),
    );
  });
});
