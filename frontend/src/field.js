// Field app island: tasks near me (GPS), and reports that survive a lost
// network: each report is stored in IndexedDB with a client id first, then
// sent; the server treats a repeat of the same id as the same case.
import { csrf, el } from './util.js';
import { keyedStore, uuid } from './idb.js';
import { startEvidence } from './evidence.js';

const en = document.documentElement.lang === 'en';
const $ = (id) => document.getElementById(id);

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/field/sw.js', { scope: '/field' }).catch(() => {});
}

// --- on-the-spot evidence (全过程记录), queued and uploaded with tus ---
// Every field page uploads what waits in the queue; the evidence page also captures.
if ('indexedDB' in window) startEvidence($('enf-evidence'));
// The decision's print button (inline handlers are forbidden by the CSP).
for (const b of document.querySelectorAll('[data-print]')) b.addEventListener('click', () => window.print());

// --- tasks near me ---
const tasks = $('tasks');
const gpsStatus = $('gps-status');
function renderTasks(items) {
  tasks.replaceChildren(...(items.length ? items.map((t) => el('li', {}, el('a', { href: '/console/cases/' + t.id },
    el('span', { class: 'dot light-' + (t.light || 'none'), text: t.light_name }), ' ',
    el('strong', { text: t.code }), ` ${t.status} · ${t.category} · ${t.place} · ${t.due}` +
    (t.distance_m ? ` · ${t.distance_m < 1000 ? Math.round(t.distance_m) + ' m' : (t.distance_m / 1000).toFixed(1) + ' km'}` : ''))))
    : [el('li', { class: 'muted', text: en ? 'No cases' : '暂无案件' })]));
}
function locate(then) {
  if (!navigator.geolocation) return;
  navigator.geolocation.getCurrentPosition((p) => then(p.coords.latitude, p.coords.longitude),
    () => { if (gpsStatus) gpsStatus.textContent = en ? 'No GPS fix: sorted by deadline' : '未能定位：按时限排序'; },
    { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
}
if (tasks) {
  locate(async (lat, lng) => {
    if (gpsStatus) gpsStatus.textContent = (en ? 'Nearest first from ' : '按距离排序，当前位置 ') + lng.toFixed(5) + ', ' + lat.toFixed(5);
    const f = $('f-lat');
    if (f && !f.value) { f.value = lat.toFixed(6); $('f-lng').value = lng.toFixed(6); }
    try {
      const r = await fetch(`/field/tasks?lat=${lat}&lng=${lng}`, { credentials: 'same-origin' });
      if (r.ok) renderTasks((await r.json()).items);
    } catch (e) { /* offline: keep the server-rendered list */ }
  });
}

// --- the outbox ---
const DB = 'cityloop-field', STORE = 'outbox';
const { all, put, del } = keyedStore(DB, STORE);

const outbox = $('outbox');
const sent = [];
async function renderOutbox() {
  if (!outbox) return;
  const items = await all();
  outbox.dataset.queued = String(items.length);
  outbox.replaceChildren(
    ...items.map((r) => el('li', { class: 'queued', text: `${en ? 'Queued' : '待发送'} · ${r.fields.description || r.id.slice(0, 8)}${r.error ? ' · ' + r.error : ''}` })),
    ...sent.map((s) => el('li', { class: 'sent', text: `${en ? 'Sent' : '已发送'} · ${s}` })));
}

let flushing = false;
async function flush() {
  if (flushing) return;
  flushing = true;
  try {
    for (const rec of await all()) {
      const fd = new FormData();
      for (const [k, v] of Object.entries(rec.fields)) fd.append(k, v);
      fd.append('external_ref', rec.id);
      fd.append('queued_at', String(rec.queued_at));
      if (rec.photo) fd.append('photos', rec.photo, rec.photoName || 'photo.jpg');
      let r;
      try {
        r = await fetch('/field/report', { method: 'POST', body: fd, credentials: 'same-origin', headers: { 'X-CSRF-Token': csrf() } });
      } catch (e) {
        break; // still offline: try again when the network returns
      }
      if (r.ok) {
        const out = await r.json();
        sent.push(out.code);
        await del(rec.id);
      } else if (r.status === 401 || r.status === 403 || r.status >= 500) {
        rec.error = r.status === 401 ? (en ? 'sign in again' : '请重新登录') : String(r.status);
        await put(rec);
        break;
      } else {
        // The server will never take it (bad data): drop it, say why.
        let msg = String(r.status);
        try { msg = (await r.json()).detail || msg; } catch (e) {}
        sent.push('✗ ' + msg);
        await del(rec.id);
      }
    }
  } finally {
    flushing = false;
    renderOutbox();
  }
}

const form = $('field-report');
if (form) {
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = new FormData(form);
    const file = f.get('photos');
    const rec = {
      id: uuid(), queued_at: Date.now(),
      fields: { description: f.get('description') || '', category: f.get('category') || '', lng: f.get('lng'), lat: f.get('lat') },
      photo: file && file.size ? file : null, photoName: file && file.name,
    };
    await put(rec);
    form.reset();
    const lat = $('f-lat');
    lat.value = rec.fields.lat; $('f-lng').value = rec.fields.lng;
    await renderOutbox();
    flush();
  });
  window.addEventListener('online', flush);
  setInterval(() => { if (navigator.onLine) flush(); }, 20000);
  renderOutbox().then(() => { if (navigator.onLine) flush(); });
}
