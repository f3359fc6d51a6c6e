/*
 * The work of the IndexedDB kill test (test/reliability/indexed-db-kill.test.ts), shared by
 * the page that does it in Chromium (test/support/indexed-db-kill-page.js, bundled by
 * esbuild) and the test that checks what survived, so it imports none of the package: only
 * the plain-JavaScript fixtures, which take the package's classes as an argument.
 *
 * A round's work is a list of steps, fixed by the seed and the round alone: the page runs
 * them in order, calling the units of a step together (a burst, sharing syncs) and waiting
 * for all of them before the next step. A unit is one save or delete, or one transaction
 * of several; each is acknowledged once, when its promise resolves. The units of one step
 * touch different threads, so whatever order the store applies them in, each thread's row
 * tells which of them reached the disk. Every operation has its own version (round *
 * ROUND_SPAN + n), and a saved row is a pure function of its thread and version
 * (`randomNegotiation` of random-negotiation.mjs), so the test can tell exactly what a row
 * must hold.
 */

import { HOT_THREAD, poolThread } from "./random-negotiation.mjs";
import { integerIn, seededRandom, seedOf } from "./seeded-random.mjs";

/** The IndexedDB database the page saves into. */
export const KILL_DATABASE = "kill-test";

/** How many steps a round's page has: more than it has time for before the kill. */
export const ROUND_STEPS = 5_000;

/** How many versions and units one round may use. */
export const ROUND_SPAN = 1_000_000;

/** How many other threads the rounds share. */
export const THREAD_POOL = 24;

/** One save or delete of a thread, at its version. */
export interface KillOp {
  readonly op: "save" | "delete";
  readonly threadId: string;
  readonly version: number;
}

/** What is acknowledged as one: a lone save or delete, or a transaction of several. */
export interface KillUnit {
  /** Unique across rounds: round * ROUND_SPAN + n. */
  readonly id: number;
  readonly transaction: boolean;
  readonly ops: readonly KillOp[];
}

/** Units called together; the next step starts once all of them resolved. */
export type KillStep = readonly KillUnit[];

/**
 * The steps of one round, as many as asked for: each is a lone save of the hot thread, a
 * burst of lone saves and deletes, or a transaction (with a burst of lone calls beside it
 * now and then).
 *
 * @param seed - The run's seed.
 * @param round - The round, which numbers its versions and units.
 * @param count - How many steps.
 */
export function roundSteps(seed: number, round: number, count: number): KillStep[] {
  const random = seededRandom(seedOf(`${seed}/${round}`));
  const integer = (min: number, max: number) => integerIn(random, min, max);
  let n = 0;
  const next = () => {
    n += 1;
    if (n >= ROUND_SPAN) throw new Error(`round ${round} has used every version it may`);
    return round * ROUND_SPAN + n;
  };
  const steps: KillStep[] = [];
  for (let index = 0; index < count; index++) {
    // The threads of one step are drawn without replacement: no two units share one.
    const free = [HOT_THREAD, ...Array.from({ length: THREAD_POOL }, (_, i) => poolThread(i))];
    const take = (hotAllowed: boolean) => {
      const from = hotAllowed ? 0 : free[0] === HOT_THREAD ? 1 : 0;
      const [threadId] = free.splice(integer(from, free.length - 1), 1);
      return threadId as string;
    };
    const lone = (): KillUnit => {
      const threadId = take(true);
      const op = threadId !== HOT_THREAD && random() < 0.12 ? "delete" : "save";
      return { id: next(), transaction: false, ops: [{ op, threadId, version: next() }] };
    };
    const transaction = (): KillUnit => {
      const id = next();
      const ops = Array.from({ length: integer(2, 6) }, (_, i): KillOp => {
        const threadId = take(i === 0);
        const op = threadId !== HOT_THREAD && random() < 0.15 ? "delete" : "save";
        return { op, threadId, version: next() };
      });
      return { id, transaction: true, ops };
    };
    const choice = random();
    if (choice < 0.3) {
      steps.push([
        {
          id: next(),
          transaction: false,
          ops: [{ op: "save", threadId: HOT_THREAD, version: next() }],
        },
      ]);
    } else if (choice < 0.65) {
      steps.push(Array.from({ length: integer(2, 10) }, lone));
    } else {
      const units = [transaction()];
      if (random() < 0.5) units.push(...Array.from({ length: integer(1, 4) }, lone));
      steps.push(units);
    }
  }
  return steps;
}
