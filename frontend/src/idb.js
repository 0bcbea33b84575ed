// A small keyed store in IndexedDB, for the queues that must outlive a lost
// network or a closed page (the field app's outbox, the evidence queue).
// Each queue has a database of its own with one object store keyed by id.
export function keyedStore(dbName, storeName) {
  const open = () => new Promise((res, rej) => {
    const rq = indexedDB.open(dbName, 1);
    rq.onupgradeneeded = () => rq.result.createObjectStore(storeName, { keyPath: 'id' });
    rq.onsuccess = () => res(rq.result);
    rq.onerror = () => rej(rq.error);
  });
  const tx = async (mode, fn) => {
    const d = await open();
    return new Promise((res, rej) => {
      const t = d.transaction(storeName, mode);
      const out = fn(t.objectStore(storeName));
      t.oncomplete = () => res(out && out.result);
      t.onerror = () => rej(t.error);
    });
  };
  return {
    all: () => tx('readonly', (s) => s.getAll()),
    put: (rec) => tx('readwrite', (s) => s.put(rec)),
    del: (id) => tx('readwrite', (s) => s.delete(id)),
  };
}

// uuid names a queued item; older browsers without randomUUID get 32 hex digits.
export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (x) => x.toString(16).padStart(2, '0')).join('');
}
