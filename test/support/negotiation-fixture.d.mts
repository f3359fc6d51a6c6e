// The types of negotiation-fixture.mjs, for the TypeScript tests; the contracts are
// documented there.

/** What the fixtures drive of `NegotiationStateMachine`. */
export interface DrivenMachine {
  getValidEvents(): readonly string[];
  trigger(event: string): unknown;
}

/** What the fixtures record on `CampaignCPMTracker`. */
export interface RecordingTracker {
  recordAgreement(cpm: string, engagementRate: number | null): unknown;
}

/** The package's classes a negotiation is built with: the built package's, or src's. */
export interface DomainClasses<Machine extends DrivenMachine, Tracker extends RecordingTracker> {
  readonly NegotiationStateMachine: new () => Machine;
  readonly CampaignCPMTracker: new (
    campaignId: string,
    targetMinCpm: string,
    targetMaxCpm: string,
    totalInfluencers: number,
  ) => Tracker;
}

/** A negotiation as `store.save` takes it, built with the given classes. */
export interface FixtureNegotiation<Machine, Tracker> {
  threadId: string;
  stateMachine: Machine;
  context: Record<string, unknown>;
  campaign: Record<string, unknown>;
  cpmTracker: Tracker;
  roundCount: number;
}

export function campaignInput(overrides?: Record<string, unknown>): Record<string, unknown>;

export function negotiationInput<Machine extends DrivenMachine, Tracker extends RecordingTracker>(
  classes: DomainClasses<Machine, Tracker>,
  threadId: string,
  options?: {
    readonly events?: readonly string[];
    readonly context?: Record<string, unknown>;
    readonly roundCount?: number;
    readonly totalInfluencers?: number;
    readonly agreements?: readonly (readonly [string, number | null])[];
  },
): FixtureNegotiation<Machine, Tracker>;
