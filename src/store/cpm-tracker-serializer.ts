import { CampaignCPMTracker, type CpmTrackerDict } from "../domain/campaign-cpm-tracker.js";

/**
 * Writes a CPM tracker as the dict stored in `cpm_tracker_json`.
 *
 * @param tracker - A tracker, or a dict in its stored form; a dict is validated and
 *   normalised (decimals rewritten exactly, such as `"25.50"` as `"25.5"`).
 * @returns A new dict with snake_case keys and decimal strings; keys the stored shape does
 *   not know (top level and per agreement, DESIGN §4) are written back unchanged, after the
 *   known ones.
 * @throws {@link ValidationError} (code `INVALID_INPUT`) when a dict does not have the
 *   stored shape, naming the path, such as `cpm_tracker.agreements[0].cpm`, or holds an
 *   unknown key that is not JSON data.
 * @example
 * JSON.stringify(serializeCpmTracker(tracker));
 */
export function serializeCpmTracker(tracker: CampaignCPMTracker | CpmTrackerDict): CpmTrackerDict {
  if (tracker instanceof CampaignCPMTracker) return tracker.toDict();
  const candidate: unknown = tracker;
  // A tracker from another copy of this package (its ESM and CJS builds both loaded) fails
  // instanceof; its toDict() output goes through the same validation as any dict.
  const toDict = (candidate as { toDict?: unknown } | null)?.toDict;
  const dict = typeof toDict === "function" ? toDict.call(candidate) : candidate;
  return CampaignCPMTracker.fromDict(dict).toDict();
}

/**
 * Rebuilds a CPM tracker from the dict stored in `cpm_tracker_json`, such as one the
 * Python service wrote; unknown keys are kept for {@link serializeCpmTracker}.
 *
 * @param dict - The parsed dict.
 * @returns The tracker.
 * @throws {@link ValidationError} (code `INVALID_INPUT`) naming the path of the bad value,
 *   such as `cpm_tracker.agreements[1].cpm`.
 * @example
 * const tracker = deserializeCpmTracker(JSON.parse(row.cpm_tracker_json));
 */
export function deserializeCpmTracker(dict: unknown): CampaignCPMTracker {
  return CampaignCPMTracker.fromDict(dict);
}
