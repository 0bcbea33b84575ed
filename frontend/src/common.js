// Small helpers shared by the islands.
import L from 'leaflet';
export { csrf, el } from './util.js';


// baseMap makes a Leaflet map with the city's tile server when one is set
// (data-tiles), otherwise a blank background on which regions are drawn.
export function baseMap(node, opts) {
  const map = L.map(node, Object.assign({ preferCanvas: true, zoomControl: true, maxZoom: 19, minZoom: 8 }, opts || {}));
  const tiles = node.dataset.tiles;
  if (tiles) L.tileLayer(tiles, { maxZoom: 19, attribution: '' }).addTo(map);
  else node.classList.add('blank');
  return map;
}

export function center(node, fallback) {
  const c = (node.dataset.center || '').split(',').map(Number);
  return c.length === 2 && !isNaN(c[0]) ? c : fallback;
}

// regions draws region outlines of one level (public data) onto a layer.
export async function regions(map, level, bbox, style) {
  const q = new URLSearchParams({ level });
  if (bbox) q.set('bbox', bbox);
  const r = await fetch('/web/map/grids?' + q, { credentials: 'same-origin' });
  if (!r.ok) return null;
  const items = await r.json();
  const layer = L.geoJSON(items.map((it) => ({ type: 'Feature', properties: { code: it.c, name: it.n }, geometry: it.g })), {
    style: () => style,
    interactive: false,
  });
  return layer.addTo(map);
}

export { L };
