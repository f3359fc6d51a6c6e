/**
 * Waits for an IndexedDB request.
 *
 * @param request - A pending request.
 * @returns Its result.
 * @throws The request's `DOMException` (its `name` says why: `QuotaExceededError`, ...).
 */
export function requestResult<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/**
 * Waits for a transaction to commit. With `{ durability: "strict" }` its `complete` event
 * fires only once the browser has flushed it to disk.
 *
 * @param transaction - A transaction whose requests are all issued.
 * @throws The transaction's error, or an `AbortError` when it was aborted.
 */
export function transactionComplete(transaction: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () =>
      reject(transaction.error ?? new DOMException("The transaction was aborted", "AbortError"));
  });
}
