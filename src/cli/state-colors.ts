import type { Palette } from "./terminal.js";

/**
 * A state's name, coloured by what it means for the operator: agreed green; rejected and
 * stopped red; escalated, stale and paused yellow (someone should look); the rest as is.
 */
export function colorState(colors: Palette, state: string): string {
  if (state === "agreed") return colors.green(state);
  if (state === "rejected" || state === "stopped") return colors.red(state);
  if (state === "escalated" || state === "stale" || state === "paused") return colors.yellow(state);
  return state;
}
