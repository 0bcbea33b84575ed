// Console island: live queues over server-sent events, and the case map.
import { L, baseMap } from './common.js';

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
