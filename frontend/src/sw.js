// Field app service worker: network first, the last good copy when offline,
// so the app opens without a network and its queued reports can wait.
// The shell (the task list page and the scripts, styles and icon it
// loads) is fetched into the cache when the worker installs, so a phone
// that visited the app once reloads it without signal; before that, the
// first visit's own requests went out before any worker could see them.
const CACHE = 'cityloop-field-v3';
const SHELL = '/field';

// shellAssets lists the same-origin files a page links to (scripts,
// styles, manifest, icons), with their hashed query, as the page asks.
function shellAssets(html) {
  const out = new Set(['/field/manifest.webmanifest']);
  for (const m of html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)) out.add(m[1].replace(/&amp;/g, '&'));
  return [...out];
}

async function precache() {
  const c = await caches.open(CACHE);
  const res = await fetch(SHELL, { credentials: 'same-origin', redirect: 'follow' });
  // Signed out the page is the sign-in form: keep nothing of it.
  if (!res.ok || res.redirected) return;
  await c.put(SHELL, res.clone());
  await Promise.all(shellAssets(await res.text()).map((u) => fetch(u, { credentials: 'same-origin' })
    .then((r) => (r.ok ? c.put(u, r) : null)).catch(() => null)));
}

self.addEventListener('install', (e) => {
  self.skipWaiting();
  // A failed precache must not stop the worker: it caches as pages load.
  e.waitUntil(precache().catch(() => null));
});
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
  // A task's phone page opened once reads offline too (it carries no
  // reporter's name or phone); its actions still need the network.
  const casePage = /^\/field\/cases\/[A-Za-z0-9_-]+$/.test(url.pathname);
  if (!(url.pathname === SHELL || evidencePage || casePage || url.pathname.startsWith('/assets/') || url.pathname === '/field/manifest.webmanifest')) return;
  e.respondWith(fetch(req).then((res) => {
    // A redirect to the sign-in page is not the app: never cache it.
    if (res.ok && !res.redirected) {
      const copy = res.clone();
      caches.open(CACHE).then((c) => c.put(req, copy));
    }
    return res;
  }).catch(() => caches.match(req, { ignoreSearch: url.pathname === SHELL })
    .then((hit) => hit || (url.pathname === SHELL ? caches.match(SHELL) : undefined))));
});
