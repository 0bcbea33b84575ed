// Field evidence (全过程记录) that survives a lost network: every photo,
// video or recording is kept in IndexedDB first, with its capture time, GPS
// fix and the device id, and then sent with the tus protocol
// (tus-js-client) to /api/v1/enforcement/evidence in chunks. The upload URL
// the server gives is saved with the file, so an interrupted upload goes on
// from where the server says it stopped, even after the page or the phone
// was restarted. A file leaves the queue only once the server has recorded
// it as evidence (its id and SHA-256 come back); a refused file stays,
// marked, until the officer removes it.
import { Upload } from 'tus-js-client';
import { csrf, el } from './util.js';
import { keyedStore, uuid } from './idb.js';

const en = document.documentElement.lang === 'en';
const T = (zh, e) => (en ? e : zh);
const DB = 'cityloop-evidence', STORE = 'files';
const CHUNK = 256 * 1024; // small chunks: a weak mobile link loses little on a drop
const KEEP_DONE_MS = 24 * 3600 * 1000; // uploaded entries stay listed for a day

const { all, put, del } = keyedStore(DB, STORE);

// deviceID names this phone's browser in the chain of custody; it is kept
// in localStorage, so it stays the same across visits.
function deviceID() {
  let id = '';
  try { id = localStorage.getItem('cityloop-device') || ''; } catch (e) { /* private mode */ }
  if (!id) {
    id = 'web-' + uuid().slice(0, 12);
    try { localStorage.setItem('cityloop-device', id); } catch (e) { /* private mode */ }
  }
  return id;
}

// The last GPS fix, refreshed while the page is open: a capture takes the
// fix of the moment without waiting for one.
let fix = null;
function watchGPS(status) {
  if (!navigator.geolocation) return;
  navigator.geolocation.watchPosition((p) => {
    fix = { lng: p.coords.longitude, lat: p.coords.latitude, at: Date.now() };
    if (status) status.textContent = T('定位 ', 'GPS ') + fix.lng.toFixed(5) + ', ' + fix.lat.toFixed(5);
  }, () => { if (status) status.textContent = T('未能定位：证据不带位置', 'No GPS fix: evidence goes without a position'); },
  { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
}

// The type the server's allow-list knows; a phone's recorder may name its
// output differently (audio/webm is not accepted, so the server says so).
function typeOf(file) {
  if (file.type) return file.type;
  const ext = (file.name.split('.').pop() || '').toLowerCase();
  return { jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', mp4: 'video/mp4', mov: 'video/quicktime', m4a: 'audio/mp4', mp3: 'audio/mpeg', wav: 'audio/wav', amr: 'audio/amr', pdf: 'application/pdf' }[ext] || 'application/octet-stream';
}

function size(n) {
  if (n < 1024) return n + ' B';
  if (n < 1048576) return (n / 1024).toFixed(0) + ' KB';
  return (n / 1048576).toFixed(1) + ' MB';
}

// startEvidence runs the capture form of root's case, and on a field page
// without one (root null) only the uploader: files queued for any case go
// up wherever the officer is in the app.
export function startEvidence(root) {
  const caseID = root ? root.dataset.case : '';
  const q = (sel) => (root ? root.querySelector(sel) : null);
  const queue = q('#ev-queue');
  const list = q('#ev-list');
  const note = q('#ev-note');
  if (root) watchGPS(q('#ev-gps'));
  const live = {}; // id -> {sent, total, uploading}

  async function capture(files) {
    for (const file of files) {
      if (!file || !file.size) continue;
      const captured = file.lastModified && Math.abs(Date.now() - file.lastModified) < 7 * 24 * 3600 * 1000 ? file.lastModified : Date.now();
      const meta = { case_id: caseID, filetype: typeOf(file), filename: file.name || 'evidence', device_id: deviceID(),
        captured_at: new Date(captured).toISOString() };
      if (fix && Date.now() - fix.at < 10 * 60 * 1000) Object.assign(meta, { lng: fix.lng.toFixed(6), lat: fix.lat.toFixed(6), crs: 'wgs84' });
      if (note && note.value.trim()) meta.note = note.value.trim();
      await put({ id: uuid(), caseID, queuedAt: Date.now(), file, name: file.name, size: file.size, meta, uploadUrl: '', state: 'queued' });
    }
    if (note) note.value = '';
    await render();
    flush();
  }

  async function render() {
    if (!queue) return;
    const recs = (await all()).filter((r) => r.caseID === caseID).sort((a, b) => a.queuedAt - b.queuedAt);
    const waiting = recs.filter((r) => r.state !== 'done');
    queue.dataset.queued = String(waiting.length);
    queue.dataset.done = String(recs.length - waiting.length);
    queue.replaceChildren(...recs.map((r) => {
      const l = live[r.id];
      let state = T('待上传', 'Waiting to upload');
      let cls = 'queued';
      if (r.state === 'done') { state = T('已上传', 'Uploaded') + (r.sha256 ? ' · SHA-256 ' + r.sha256.slice(0, 12) + '…' : ''); cls = 'sent'; }
      else if (r.state === 'refused') { state = T('被拒绝：', 'Refused: ') + r.error; cls = 'refused'; }
      else if (l && l.uploading) state = T('上传中 ', 'Uploading ') + Math.floor((100 * l.sent) / (l.total || 1)) + '%';
      else if (r.error) state += ' · ' + r.error;
      const pct = r.state === 'done' ? 100 : l ? Math.floor((100 * l.sent) / (l.total || 1)) : 0;
      const li = el('li', { class: 'ev-item ' + cls, 'data-state': r.state },
        el('span', { class: 'ev-name', text: `${r.name} · ${size(r.size)}` }), ' ',
        el('progress', { max: '100', value: String(pct), 'aria-label': r.name }), ' ',
        el('span', { class: 'ev-state', text: state }));
      if (r.state === 'refused') {
        const b = el('button', { type: 'button', class: 'link', text: T('移除', 'Remove') });
        b.addEventListener('click', async () => { await del(r.id); render(); });
        li.append(' ', b);
      }
      return li;
    }));
  }

  async function refreshList() {
    if (!list || !navigator.onLine) return;
    try {
      const r = await fetch('/api/v1/enforcement/evidence?case=' + encodeURIComponent(caseID) + (en ? '&lang=en' : '&lang=zh'), { credentials: 'same-origin' });
      if (!r.ok) return;
      const items = (await r.json()).items || [];
      list.dataset.count = String(items.length);
      list.replaceChildren(...(items.length ? items.map((it) => el('li', { 'data-id': it.id },
        el('a', { href: it.content_url, text: `${it.kind_name} · ${it.filename || it.id}` }),
        ` · ${size(it.size)} · SHA-256 ${String(it.sha256).slice(0, 16)}… · ${it.captured_at ? new Date(it.captured_at).toLocaleString(en ? 'en' : 'zh-CN') : '—'}` +
        (it.lng != null ? ` · ${Number(it.lng).toFixed(5)}, ${Number(it.lat).toFixed(5)}` : '') + (it.device_id ? ` · ${it.device_id}` : '')))
        : [el('li', { class: 'muted', text: T('暂无证据', 'No evidence yet') })]));
    } catch (e) { /* offline: keep what is shown */ }
  }

  // send uploads one file; it resolves whatever happens, the record says how it went.
  function send(rec) {
    return new Promise((resolve) => {
      live[rec.id] = { sent: 0, total: rec.size, uploading: true };
      const up = new Upload(rec.file, {
        endpoint: '/api/v1/enforcement/evidence',
        uploadUrl: rec.uploadUrl || null,
        chunkSize: CHUNK,
        retryDelays: [0, 1000, 3000],
        metadata: rec.meta,
        headers: { 'X-CSRF-Token': csrf() },
        storeFingerprintForResuming: false, // the queue keeps the URL itself
        removeFingerprintOnSuccess: false,
        onUploadUrlAvailable: async () => { rec.uploadUrl = up.url; rec.error = ''; await put(rec); },
        onProgress: (sent, total) => { live[rec.id] = { sent, total, uploading: true }; render(); },
        onSuccess: async (payload) => {
          const res = payload && payload.lastResponse;
          rec.state = 'done';
          rec.evidenceId = (res && res.getHeader('Evidence-Id')) || '';
          rec.sha256 = (res && res.getHeader('Evidence-Sha256')) || '';
          rec.doneAt = Date.now();
          rec.file = null; // the server holds it now; free the phone's storage
          delete live[rec.id];
          await put(rec);
          resolve();
        },
        onError: async (err) => {
          delete live[rec.id];
          const status = err && err.originalResponse ? err.originalResponse.getStatus() : 0;
          if (status === 401) rec.error = T('请重新登录后继续上传', 'sign in again to go on');
          else if (status >= 400 && status < 500 && status !== 403 && status !== 404 && status !== 409 && status !== 423 && status !== 429) {
            // The server will never take this file as it is (type, size, metadata): keep it, say why.
            let msg = String(status);
            try { msg = JSON.parse(err.originalResponse.getBody()).detail || msg; } catch (e) { /* not JSON */ }
            rec.state = 'refused';
            rec.error = msg;
          } else {
            rec.error = status ? String(status) : T('网络中断，稍后续传', 'network lost, will resume');
            if (status === 404) rec.uploadUrl = ''; // the unfinished upload was purged: start again
          }
          await put(rec);
          resolve();
        },
      });
      up.start();
    });
  }

  let flushing = false;
  async function flush() {
    if (flushing || !navigator.onLine) return;
    flushing = true;
    let sent = 0;
    try {
      for (const rec of await all()) {
        if (rec.state === 'done') {
          if (Date.now() - (rec.doneAt || 0) > KEEP_DONE_MS) await del(rec.id);
          continue;
        }
        if (rec.state === 'refused' || !rec.file) continue;
        await send(rec);
        if (rec.state === 'done') sent++;
        await render();
        if (!navigator.onLine) break;
      }
    } finally {
      flushing = false;
      await render();
      // Reading the list is audited: only when it changed, not on every tick.
      if (sent) refreshList();
    }
  }

  for (const id of ['ev-photo', 'ev-video', 'ev-audio', 'ev-file']) {
    const input = q('#' + id);
    if (input) input.addEventListener('change', () => { const fs = Array.from(input.files || []); input.value = ''; capture(fs); });
  }
  // Back online: upload, and show the list the page could not read offline.
  window.addEventListener('online', () => { if (list && !list.dataset.count) refreshList(); flush(); });
  setInterval(flush, 15000);
  render().then(() => { refreshList(); flush(); });
}
