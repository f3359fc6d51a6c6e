import type { StorageAdapter } from "../adapter/storage-adapter.js";
import { NegotiationStateStore } from "./negotiation-state-store.js";

/**
 * Prepares a freshly opened adapter (creates or checks the table) and returns a store that
 * owns it; when preparing fails, the adapter is closed before the error goes on, so an
 * open that is refused holds no lock, file or connection.
 *
 * @param adapter - The adapter just opened.
 * @param prepare - What must succeed before the store is handed out.
 * @param clock - The store's clock, when given.
 * @returns The store; its `close()` closes the adapter.
 * @throws What `prepare` threw.
 * @internal
 */
export async function storeOwningAdapter<Adapter extends StorageAdapter>(
  adapter: Adapter,
  prepare: (adapter: Adapter) => Promise<void>,
  clock: (() => Date) | undefined,
): Promise<NegotiationStateStore> {
  try {
    await prepare(adapter);
  } catch (error) {
    await adapter.close();
    throw error;
  }
  return new NegotiationStateStore(adapter, { ...(clock && { clock }), ownsAdapter: true });
}
