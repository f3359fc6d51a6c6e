import type { OutputStream } from "./terminal.js";

/** A progress bar that redraws itself on one line. */
export interface Progress {
  /** Records that `done` of the total are done; redraws at most every `interval` ms. */
  update(done: number): void;
  /** Clears the bar's line for what follows. */
  finish(): void;
}

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /** How many units there are in all. */
  readonly total: number;
  /** What a unit is, after the count: `"lines checked"`. */
  readonly unit: string;
  /** Below this many units no bar is drawn: the work is over before it could be read. */
  readonly threshold?: number;
  /** The least time between two redraws, in milliseconds; 100 by default. */
  readonly interval?: number;
  /** The time source, for tests; `Date.now` by default. */
  readonly now?: () => number;
}

const WIDTH = 20;
const NO_PROGRESS: Progress = { update() {}, finish() {} };

/**
 * A progress bar on `stream` (`\r[#####...............] 25% 2500/10000 lines checked`),
 * only when it is a terminal and the work is large: piped or redirected output stays free of
 * carriage returns.
 *
 * @param stream - Where to draw it (standard error).
 * @param options - Total, unit, threshold and redraw interval.
 * @returns The bar, or one that draws nothing.
 */
export function createProgress(stream: OutputStream, options: ProgressOptions): Progress {
  const { total, unit, threshold = 1000, interval = 100, now = Date.now } = options;
  if (stream.isTTY !== true || total <= threshold) return NO_PROGRESS;
  let drawnAt = Number.NEGATIVE_INFINITY;
  const draw = (done: number) => {
    const fraction = Math.min(1, done / total);
    const filled = Math.floor(fraction * WIDTH);
    const percent = Math.floor(fraction * 100);
    stream.write(
      `\r[${"#".repeat(filled)}${".".repeat(WIDTH - filled)}] ${percent}% ${done}/${total} ${unit}`,
    );
  };
  return {
    update(done) {
      const time = now();
      if (time - drawnAt < interval) return;
      drawnAt = time;
      draw(done);
    },
    finish() {
      // Back to the start of the line, cleared (ANSI "erase line"): this is a terminal.
      if (drawnAt !== Number.NEGATIVE_INFINITY) stream.write("\r\u001b[2K");
    },
  };
}
