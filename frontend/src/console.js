// Console island: live queues over server-sent events, and the case map.
import { L, baseMap, center } from './common.js';

// A suggested category is offered as a chip beside the category select;
// tapping it selects that category, nothing else does.
document.addEventListener('click', (e) => {
  const chip = e.target.closest && e.target.closest('.suggest .chip[data-for]');
  const sel = chip && document.getElementById(chip.dataset.for);
  if (!sel) return;
  sel.value = chip.dataset.ref;
  sel.dispatchEvent(new Event('change', { bubbles: true }));
});

const queues = document.getElementById('queues');
if (queues && window.EventSource) {
  const live = document.getElementById('live');
  const es = new EventSource(queues.dataset.live);
  let timer = null;
  const refresh = () => {
    if (timer) return;
    timer = setTimeout(async () => {
      timer = null;
      try {
        const r = await fetch(location.pathname + '?fragment=queues', { credentials: 'same-origin' });
        if (r.ok) {
          queues.innerHTML = await r.text();
          queues.dataset.updated = String(Date.now());
        }
      } catch (e) { /* offline for a moment: the next event retries */ }
    }, 250);
  };
  es.addEventListener('change', refresh);
  es.addEventListener('tick', refresh);
  es.onopen = () => { if (live) live.hidden = false; };
  es.onerror = () => { if (live) live.hidden = true; };
}

const cm = document.getElementById('case-map');
if (cm) {
  const g = JSON.parse(cm.dataset.geo);
  const map = baseMap(cm);
  const group = L.featureGroup().addTo(map);
  if (g.grid) L.geoJSON(g.grid, { style: { color: '#0b5394', weight: 2, fillOpacity: 0.08 } }).addTo(group);
  L.circleMarker(g.point, { radius: 8, color: '#b42318', fillColor: '#b42318', fillOpacity: 0.9 }).addTo(group);
  map.fitBounds(group.getBounds().pad(0.3), { maxZoom: 17 });
  cm.dataset.ready = '1';
}

// Open the first action form when the page is reached after an error.
const err = document.querySelector('.error');
if (err) {
  const first = document.querySelector('details.action');
  if (first && document.querySelectorAll('details.action').length === 1) first.open = true;
}

// The workbench's map panel: the cases of the queues on the page, coloured
// by light, redrawn whenever the live queues are.
const wm = document.getElementById('wb-map');
if (wm && queues) {
  const map = baseMap(wm);
  const layer = L.featureGroup().addTo(map);
  const colors = { green: '#1a7f37', yellow: '#d4a72c', red: '#b42318' };
  const draw = () => {
    layer.clearLayers();
    const seen = new Set();
    for (const tr of queues.querySelectorAll('tr[data-lat]')) {
      const { id, code, lat, lng, light } = tr.dataset;
      if (seen.has(id)) continue;
      seen.add(id);
      const a = document.createElement('a');
      a.href = '/console/cases/' + encodeURIComponent(id);
      a.textContent = code;
      L.circleMarker([+lat, +lng], { radius: 7, weight: 1, color: '#fff', fillColor: colors[light] || '#57606a', fillOpacity: 0.9 })
        .bindPopup(a).addTo(layer);
    }
    if (seen.size) map.fitBounds(layer.getBounds().pad(0.2), { maxZoom: 16 });
    else map.setView(center(wm, [32.05, 118.78]), 11);
    wm.dataset.points = String(seen.size);
  };
  draw();
  new MutationObserver(draw).observe(queues, { childList: true });
}
