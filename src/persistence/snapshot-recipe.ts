/**
 * What a checkpoint's snapshot is rebuilt from, away from the writer's thread: what the
 * target stores, read as it is.
 */
export interface SnapshotRecipe {
  /** The stored snapshot's bytes (`null` when there is none yet); the rebuild owns them. */
  readonly snapshot: Uint8Array | null;
  /** The journal's records, as stored, from its start. */
  readonly journal: Uint8Array;
  /** The last entry the new snapshot must hold: every entry up to it is in `journal`. */
  readonly sequence: number;
  /** The target's location, for messages. */
  readonly location: string;
}

/**
 * Builds the snapshot a recipe describes, away from the caller's thread.
 *
 * @returns The whole SQLite image.
 * @throws When it cannot: the caller then takes the image from the writer's database.
 */
export type SnapshotRebuilder = (recipe: SnapshotRecipe) => Promise<Uint8Array>;
