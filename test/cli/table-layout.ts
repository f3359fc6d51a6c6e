import { displayWidth } from "../../src/cli/display-width.js";

/**
 * The display column at which each cell of a rendered table line starts, the cells found
 * in order.
 *
 * @param line - A line of a table.
 * @param cells - Its cells' text, in order.
 * @returns One column number per cell.
 * @throws When a cell is not on the line.
 */
export function cellStarts(line: string, cells: readonly string[]): number[] {
  const starts: number[] = [];
  let at = 0;
  for (const cell of cells) {
    const index = line.indexOf(cell, at);
    if (index === -1) throw new Error(`${JSON.stringify(cell)} is not in ${JSON.stringify(line)}`);
    starts.push(displayWidth(line.slice(0, index)));
    at = index + cell.length;
  }
  return starts;
}
