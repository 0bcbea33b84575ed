// Field app service worker: network first, the last good copy when offline,
// so the app opens without a network and its queued reports can wait.
const CACHE = 'cityloop-field-v2';
self.addEventListener('install', () => self.skipWaiting());
// Older caches go: a page kept by an earlier worker must not outlive it.
self.addEventListener('activate', (e) => e.waitUntil(caches.keys()
  .then((ks) => Promise.all(ks.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
  .then(() => self.clients.claim())));
self.addEventListener('fetch', (e) => {
  const req = e.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  // The evidence page of a penalty case opens offline too (it names the
  // case only, no party), so an officer who lost the network can go on
  // recording; the decision page with the party's name is never cached.
  const evidencePage = /^\/field\/enforcement\/cases\/[A-Za-z0-9_-]+\/evidence$/.test(url.pathname);
  if (!(url.pathname === '/field' || evidencePage || url.pathname.startsWith('/assets/') || url.pathname === '/field/manifest.webmanifest')) return;
  e.respondWith(fetch(req).then((res) => {
    if (res.ok) {
      const copy = res.clone();
      caches.open(CACHE).then((c) => c.put(req, copy));
    }
    return res;
  }).catch(() => caches.match(req, { ignoreSearch: url.pathname === '/field' })));
});
