// The types of random-negotiation.mjs, for the TypeScript tests; the contracts are
// documented there.
import type {
  DomainClasses,
  DrivenMachine,
  FixtureNegotiation,
  RecordingTracker,
} from "./negotiation-fixture.mjs";

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

export const HOT_THREAD: string;
export function poolThread(index: number): string;
export function negotiationSpec(threadId: string, version: number): NegotiationSpec;
export function walkMachine<M extends DrivenMachine>(
  machine: M,
  threadId: string,
  spec: Pick<NegotiationSpec, "walk">,
): M;
export function randomNegotiation<Machine extends DrivenMachine, Tracker extends RecordingTracker>(
  classes: DomainClasses<Machine, Tracker>,
  threadId: string,
  version: number,
): FixtureNegotiation<Machine, Tracker>;
