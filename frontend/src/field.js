// Field app island: tasks near me (GPS), and reports that survive a lost
// network: each report is stored in IndexedDB with a client id first, then
// sent; the server treats a repeat of the same id as the same case.
import { csrf, el } from './util.js';
import { L, baseMap, center, pointMap } from './common.js';
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
  tasks.replaceChildren(...(items.length ? items.map((t) => el('li', {}, el('a', { href: '/field/cases/' + t.id },
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

// --- the phone case page: a small map of the place ---
const fcMap = $('fc-map');
if (fcMap) pointMap(fcMap, 17);

// --- the outbox ---
// A queued report leaves the phone only when the server took it (2xx).
// Whatever else happens it stays, saying why: offline or a server fault
// (sent again later), a point outside the city (422: 位置需修正, waits
// until the person moves the pin on a map), or another refusal (waits
// for the person to send it again). Sent reports are listed from their
// own store, so the list survives a restart of the phone.
const DB = 'cityloop-field', STORE = 'outbox';
const { all, put, del } = keyedStore(DB, STORE);
const sentStore = keyedStore('cityloop-field-sent', 'sent');
const SENT_KEEP = 30;

const outbox = $('outbox');
const T = (zh, e) => (en ? e : zh);
let fixing = null; // id of the report whose map is open

async function sentList() {
  const items = (await sentStore.all()).sort((a, b) => b.at - a.at);
  for (const old of items.slice(SENT_KEEP)) await sentStore.del(old.id);
  return items.slice(0, SENT_KEEP);
}

function queuedItem(r) {
  const what = r.fields.description || r.id.slice(0, 8);
  if (r.state === 'fix') {
    const li = el('li', { class: 'queued fix', 'data-id': r.id },
      el('strong', { class: 'badge warn', text: outbox.dataset.fix || T('位置需修正', 'Location needs fixing') }), ` · ${what}`,
      el('p', { class: 'muted', text: outbox.dataset.fixHint || '' }));
    const b = el('button', { type: 'button', class: 'fix-open', text: T('在地图上修正位置', 'Fix the location on a map') });
    b.addEventListener('click', () => openFix(li, r));
    li.append(b);
    if (fixing === r.id) openFix(li, r);
    return li;
  }
  const label = r.state === 'refused' ? T('未被接收', 'Refused') : T('待发送', 'Queued');
  const li = el('li', { class: 'queued' + (r.state === 'refused' ? ' refused' : ''), 'data-id': r.id,
    text: `${label} · ${what}${r.error ? ' · ' + r.error : ''}` });
  if (r.state === 'refused') {
    const b = el('button', { type: 'button', class: 'link', text: T('重新发送', 'Send again') });
    b.addEventListener('click', async () => { delete r.state; delete r.error; await put(r); flush(); });
    li.append(' ', b);
  }
  return li;
}

async function renderOutbox() {
  if (!outbox) return;
  const items = await all();
  const sent = await sentList();
  outbox.dataset.queued = String(items.length);
  outbox.dataset.fix = outbox.dataset.fix || '';
  outbox.dataset.needFix = String(items.filter((r) => r.state === 'fix').length);
  outbox.dataset.sent = String(sent.length);
  outbox.replaceChildren(...items.sort((a, b) => a.queued_at - b.queued_at).map(queuedItem),
    ...sent.map((s) => el('li', { class: 'sent', text: `${T('已发送', 'Sent')} · ${s.code}${s.what ? ' · ' + s.what : ''}` })));
}

// openFix shows a map under the report: a tap moves its pin (checked
// against the city as the citizen form does), and 重新发送 stores the new
// point and sends the report again.
function openFix(li, rec) {
  if (li.querySelector('.fix-map')) return;
  fixing = rec.id;
  const node = el('div', { class: 'map pick fix-map', id: 'fix-map', role: 'region', 'aria-label': T('修正位置的地图', 'Map to fix the location') });
  const status = el('p', { class: 'muted', id: 'fix-status', role: 'status', text: T('请在地图上点选问题所在的位置。', 'Tap the map where the problem is.') });
  const send = el('button', { type: 'button', id: 'fix-send', disabled: '', text: T('用新位置重新发送', 'Send with the new location') });
  li.append(node, status, send);
  const map = baseMap(node).setView(center(outbox, [32.05, 118.78]), 12);
  let marker = null, point = null;
  map.on('click', async (e) => {
    const la = e.latlng.lat, ln = e.latlng.lng;
    if (marker) marker.setLatLng([la, ln]);
    else marker = L.circleMarker([la, ln], { radius: 9, color: '#b42318', fillColor: '#b42318', fillOpacity: 0.9 }).addTo(map);
    point = { lat: la.toFixed(6), lng: ln.toFixed(6) };
    status.textContent = `${T('已选位置', 'Chosen')}：${point.lng}, ${point.lat}`;
    send.removeAttribute('disabled');
    try {
      const r = await fetch(`/api/v1/locate?crs=wgs84&lng=${point.lng}&lat=${point.lat}`);
      if (r.status === 422) {
        status.textContent = T('这个位置仍不在本市范围内，请重新点选。', 'This point is outside the city too; tap again.');
        send.setAttribute('disabled', '');
      } else if (r.ok) {
        const loc = await r.json();
        if (loc.address) status.textContent += ` · ${loc.address}`;
      }
    } catch (err) { /* offline: the server checks when it is sent */ }
  });
  send.addEventListener('click', async () => {
    if (!point) return;
    rec.fields.lat = point.lat;
    rec.fields.lng = point.lng;
    delete rec.state;
    delete rec.error;
    fixing = null;
    await put(rec);
    await renderOutbox();
    flush();
  });
  node.dataset.ready = '1';
}

async function problemText(r) {
  try { return (await r.json()).detail || String(r.status); } catch (e) { return String(r.status); }
}

let flushing = false;
async function flush() {
  if (flushing) return;
  flushing = true;
  try {
    for (const rec of await all()) {
      if (rec.state === 'fix' || rec.state === 'refused') continue; // waits for the person
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
        // Recorded as sent before it leaves the queue: a crash in between
        // leaves it in both, and the resend answers with the same case.
        await sentStore.put({ id: rec.id, code: out.code, what: rec.fields.description || '', at: Date.now() });
        await del(rec.id);
      } else if (r.status === 401 || r.status === 403 || r.status === 429 || r.status >= 500) {
        rec.error = r.status === 401 ? T('请重新登录', 'sign in again') : String(r.status);
        await put(rec);
        break;
      } else {
        rec.state = r.status === 422 ? 'fix' : 'refused';
        rec.error = await problemText(r);
        await put(rec);
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
