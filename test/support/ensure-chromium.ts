import { chromiumPath } from "./chromium.js";

/**
 * Vitest global setup: find (or install, saying so) the Chromium the tests drive once,
 * before any test file runs, so that parallel test files never install it twice.
 */
export default function ensureChromium(): void {
  chromiumPath();
}
