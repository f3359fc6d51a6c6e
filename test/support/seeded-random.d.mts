// The types of seeded-random.mjs, for the TypeScript tests; the contracts are documented there.

export function seededRandom(seed: number): () => number;
export function seedOf(text: string): number;
export function integerIn(random: () => number, min: number, max: number): number;
export function pick<T>(random: () => number, items: readonly T[]): T;
export function decimalIn(random: () => number, min: number, max: number): string;
export function noise(seed: number, length: number): Uint8Array;
