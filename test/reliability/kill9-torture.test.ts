import { describe, expect, it } from "vitest";

/** What `runTorture` of torture.mjs returns (the module is plain JavaScript). */
interface TortureFigures {
  readonly seed: number;
  readonly dir: string;
  readonly rounds: number;
  readonly kills: number;
  readonly childFailures: number;
  readonly acksChecked: number;
  readonly maxAcksInRound: number;
  readonly roundsWithAcks: number;
  readonly roundsWithWorkInFlight: number;
  readonly rowsChecked: number;
  readonly violationCount: number;
  readonly violations: readonly string[];
}

interface TortureModule {
  runTorture(options: { rounds: number; seed: number }): Promise<TortureFigures>;
}

const ROUNDS = Number(process.env.TORTURE_ROUNDS ?? 20);
const SEED = Number(process.env.TORTURE_SEED ?? 5);
// A variable, so that the type checker does not look for declarations of the .mjs.
const RUNNER = "./torture.mjs";

describe("kill -9 torture", () => {
  it(
    `loses no acknowledged save, half-applies nothing and stays readable across ${ROUNDS} SIGKILLs of a saving process`,
    async () => {
      const { runTorture } = (await import(RUNNER)) as TortureModule;
      const figures = await runTorture({ rounds: ROUNDS, seed: SEED });
      console.log(
        `[torture] ${figures.rounds} rounds, ${figures.kills} SIGKILLs, ${figures.acksChecked} acknowledged changes checked, ${figures.rowsChecked} rows checked, ${figures.violationCount} violations (seed ${figures.seed})`,
      );

      expect(figures.violations).toEqual([]);
      expect(figures.violationCount).toBe(0);
      expect(figures.childFailures).toBe(0);
      expect(figures.kills).toBe(ROUNDS);
      // The kills landed mid-work: children had acknowledged saves, and had more in flight.
      expect(figures.roundsWithAcks).toBeGreaterThanOrEqual(1);
      expect(figures.maxAcksInRound).toBeGreaterThanOrEqual(1);
      expect(figures.roundsWithWorkInFlight).toBeGreaterThanOrEqual(Math.min(ROUNDS, 2));
      expect(figures.rowsChecked).toBeGreaterThan(0);
    },
    30_000 + ROUNDS * 5_000,
  );
});
