/*
 * The work of the IndexedDB kill test (test/reliability/indexed-db-kill.test.ts), shared by
 * the page that does it in Chromium (test/support/indexed-db-kill-page.js, bundled by
 * esbuild) and the test that checks what survived, so it imports nothing but the seeded
 * PRNG, which imports nothing either.
 *
 * A round's work is a list of steps, fixed by the seed and the round alone: the page runs
 * them in order, calling the units of a step together (a burst, sharing syncs) and waiting
 * for all of them before the next step. A unit is one save or delete, or one transaction
 * of several; each is acknowledged once, when its promise resolves. The units of one step
 * touch different threads, so whatever order the store applies them in, each thread's row
 * tells which of them reached the disk. Every operation has its own version (round *
 * ROUND_SPAN + n), and a saved row is a pure function of its thread and version
 * (`negotiationSpec`), so the test can tell exactly what a row must hold.
 */

import { seededRandom } from "./seeded-random.js";

/** The IndexedDB database the page saves into. */
export const KILL_DATABASE = "kill-test";

/** How many steps a round's page has: more than it has time for before the kill. */
export const ROUND_STEPS = 5_000;

/** How many versions and units one round may use. */
export const ROUND_SPAN = 1_000_000;

/** The thread saved in almost every step, and never deleted. */
export const HOT_THREAD = "hot";

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

/** What one save of a thread at a version writes, as plain data. */
export interface NegotiationSpec {
  /** The state machine's walk: at each step, which of the valid events (see `walkMachine`). */
  readonly walk: readonly number[];
  readonly context: Record<string, unknown>;
  readonly campaign: Record<string, unknown>;
  readonly tracker: {
    readonly campaignId: string;
    readonly minCpm: string;
    readonly maxCpm: string;
    readonly totalInfluencers: number;
    readonly agreements: readonly {
      readonly cpm: string;
      readonly engagementRate: number | null;
    }[];
  };
  readonly roundCount: number;
}

const TERMINAL_EVENTS = new Set(["accept", "reject", "stop"]);
const NAMES = ["Ava", "Ben", "Chloé", "Dmitri", "Eun-ji", "Fatima", "Gaël", "Hiro"];

/** The thread ids of the pool: some in the shapes mail ids take, some not ASCII. */
export function poolThread(index: number): string {
  if (index % 7 === 3) return `<msg-${index}@mail.example>`;
  if (index % 5 === 1) return `thread-ü-${index}`;
  return `thread-${String(index).padStart(2, "0")}`;
}

function hash(text: string): number {
  let h = 0x811c9dc5;
  for (const char of text) {
    h ^= char.codePointAt(0) ?? 0;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const integer = (random: () => number, min: number, max: number) =>
  min + Math.floor(random() * (max - min + 1));
const pick = <T>(random: () => number, items: readonly T[]): T =>
  items[Math.floor(random() * items.length)] as T;
/** A decimal string with two decimals, trailing zeros kept ("25.50"): money as input. */
const decimal = (random: () => number, min: number, max: number) =>
  `${integer(random, min, max)}.${String(integer(random, 0, 99)).padStart(2, "0")}`;

/** Everything one save of `threadId` at `version` writes. */
export function negotiationSpec(threadId: string, version: number): NegotiationSpec {
  const random = seededRandom(hash(`${threadId}#${version}`));
  const hot = threadId === HOT_THREAD;
  const campaignIndex = integer(random, 1, 3);
  const minCpm = `${integer(random, 10, 20)}`;
  const maxCpm = decimal(random, 21, 40);
  const name = pick(random, NAMES);
  return {
    walk: Array.from({ length: integer(random, 0, 7) }, random),
    context: {
      version,
      thread: threadId,
      amount: decimal(random, 100, 99999),
      influencer: { name, handle: `@${name.toLowerCase()}_${integer(random, 1, 999)}` },
      offers: Array.from({ length: integer(random, 0, 4) }, () => decimal(random, 10, 45)),
      flags: { urgent: random() < 0.5, note: null },
      // Now and then a large context, so that records vary in size and checkpoints come.
      ...(random() < 0.08 && {
        transcript: "Merci — thank you 🌸 ".repeat(integer(random, 50, 600)),
      }),
    },
    campaign: {
      campaign_id: `camp-${campaignIndex}`,
      client_name: `Client ${campaignIndex} & Co`,
      target_deliverables: `${integer(random, 1, 3)} Reels`,
      budget: decimal(random, 1000, 50000),
      cpm_range: { min_cpm: minCpm, max_cpm: maxCpm },
      created_at: "2026-01-15T12:00:00Z",
      // A field this version does not know: kept and written back.
      kill_test: { thread: threadId, version },
    },
    tracker: {
      campaignId: `camp-${campaignIndex}`,
      minCpm,
      maxCpm,
      totalInfluencers: integer(random, 1, 12),
      agreements: Array.from({ length: integer(random, 0, 4) }, () => ({
        cpm: decimal(random, 10, 45),
        engagementRate: random() < 0.25 ? null : integer(random, 0, 90) / 10,
      })),
    },
    roundCount: hot ? version : integer(random, 0, 40),
  };
}

/** The part of `NegotiationStateMachine` that `walkMachine` drives. */
export interface WalkedMachine {
  getValidEvents(): readonly string[];
  trigger(event: string): unknown;
}

/**
 * Takes a new state machine through the walk of `spec`: at each step, the valid event its
 * number picks (never a finishing one for the hot thread, which stays active).
 *
 * @returns The machine.
 */
export function walkMachine<M extends WalkedMachine>(
  machine: M,
  threadId: string,
  spec: NegotiationSpec,
): M {
  for (const choice of spec.walk) {
    const valid = machine
      .getValidEvents()
      .filter((event) => !(threadId === HOT_THREAD && TERMINAL_EVENTS.has(event)));
    if (valid.length === 0) break;
    machine.trigger(valid[Math.floor(choice * valid.length)] as string);
  }
  return machine;
}

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
  const random = seededRandom(hash(`${seed}/${round}`));
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
      const [threadId] = free.splice(integer(random, from, free.length - 1), 1);
      return threadId as string;
    };
    const lone = (): KillUnit => {
      const threadId = take(true);
      const op = threadId !== HOT_THREAD && random() < 0.12 ? "delete" : "save";
      return { id: next(), transaction: false, ops: [{ op, threadId, version: next() }] };
    };
    const transaction = (): KillUnit => {
      const id = next();
      const ops = Array.from({ length: integer(random, 2, 6) }, (_, i): KillOp => {
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
      steps.push(Array.from({ length: integer(random, 2, 10) }, lone));
    } else {
      const units = [transaction()];
      if (random() < 0.5) units.push(...Array.from({ length: integer(random, 1, 4) }, lone));
      steps.push(units);
    }
  }
  return steps;
}

/** The package's classes a save is built with: the built package's in the page, src's in the test. */
export interface DomainClasses<Machine extends WalkedMachine, Tracker> {
  readonly NegotiationStateMachine: new () => Machine;
  readonly CampaignCPMTracker: new (
    campaignId: string,
    targetMinCpm: string,
    targetMaxCpm: string,
    totalInfluencers: number,
  ) => Tracker & { recordAgreement(cpm: string, engagementRate: number | null): void };
}

/** The `store.save` argument of the save of `threadId` at `version`. */
export function negotiationInput<Machine extends WalkedMachine, Tracker>(
  classes: DomainClasses<Machine, Tracker>,
  threadId: string,
  version: number,
): {
  threadId: string;
  stateMachine: Machine;
  context: Record<string, unknown>;
  campaign: Record<string, unknown>;
  cpmTracker: Tracker;
  roundCount: number;
} {
  const spec = negotiationSpec(threadId, version);
  const { campaignId, minCpm, maxCpm, totalInfluencers, agreements } = spec.tracker;
  const cpmTracker = new classes.CampaignCPMTracker(campaignId, minCpm, maxCpm, totalInfluencers);
  for (const { cpm, engagementRate } of agreements) cpmTracker.recordAgreement(cpm, engagementRate);
  return {
    threadId,
    stateMachine: walkMachine(new classes.NegotiationStateMachine(), threadId, spec),
    context: spec.context,
    campaign: spec.campaign,
    cpmTracker,
    roundCount: spec.roundCount,
  };
}
