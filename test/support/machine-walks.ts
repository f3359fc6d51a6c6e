/**
 * Histories a real `NegotiationStateMachine` records, and the machine's own verdict on a
 * history: what the history checker (`historyProblems`) and the store's row contract are
 * compared with.
 */
import fc from "fast-check";
import { NegotiationStateMachine } from "../../src/domain/negotiation-state-machine.js";
import {
  type NegotiationEvent,
  NegotiationState,
  type NegotiationState as State,
} from "../../src/domain/vocabulary.js";

/**
 * Random valid walks of a real machine: made in any state, then moved by events drawn from
 * the ones it says are valid, until it runs out of picks or reaches a terminal state.
 *
 * @param maxLength - The most events a walk takes.
 */
export function machineWalks(maxLength: number): fc.Arbitrary<NegotiationStateMachine> {
  return fc
    .tuple(
      fc.constantFrom(...Object.values(NegotiationState)),
      fc.array(fc.nat({ max: 1000 }), { maxLength }),
    )
    .map(([start, picks]) => {
      const machine = new NegotiationStateMachine(start);
      for (const pick of picks) {
        const valid = machine.getValidEvents();
        if (valid.length === 0) break;
        machine.trigger(valid[pick % valid.length] as NegotiationEvent);
      }
      return machine;
    });
}

/**
 * The machine's own verdict on a state and history, by replaying the history on a real
 * machine made in the first entry's state.
 *
 * @returns The index of the first entry the machine would not have recorded (it stands
 *   elsewhere, refuses the event, or the event leads elsewhere); `"state"` when every entry
 *   replays but the last does not end in `state`; `null` when it would record them all.
 */
export function replayVerdict(
  state: string,
  history: readonly (readonly string[])[],
): number | "state" | null {
  const [first] = history;
  if (first === undefined) return null;
  const machine = new NegotiationStateMachine(first[0] as State);
  for (const [index, [from, event, to]] of history.entries()) {
    if (machine.state !== from) return index;
    try {
      if (machine.trigger(event as NegotiationEvent) !== to) return index;
    } catch {
      return index;
    }
  }
  return machine.state === state ? null : "state";
}
