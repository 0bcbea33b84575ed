// Small helpers shared by the islands.
import L from 'leaflet';
export { csrf, el } from './util.js';


// The base map the city chose (internal/basemap), from the page's meta
// tag: tile layers in a coordinate system, and whether to draw the city's
// own vector layer. A map's data-tiles (an older setting) wins.
function baseSpec(node) {
  if (node.dataset.tiles) return { crs: 'wgs84', tiles: [{ url: node.dataset.tiles, max_zoom: 19 }], vector: false };
  const meta = document.querySelector('meta[name="cityloop-basemap"]');
  try {
    if (meta) return JSON.parse(meta.content);
  } catch (e) { /* a broken tag draws the vector layer */ }
  return { crs: 'wgs84', tiles: [], vector: true };
}

// GCJ-02 (the offset every map licensed in China is drawn in): the
// published formula, the same as internal/geo's. Data stays WGS-84; the
// map's projection moves it onto the tiles, and clicks come back as WGS-84.
const GCJ_A = 6378245.0, GCJ_EE = 0.00669342162296594323;
function gcjDelta(lat, lng) {
  const x = lng - 105, y = lat - 35;
  let dLat = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  dLat += (20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2 / 3;
  dLat += (20 * Math.sin(y * Math.PI) + 40 * Math.sin(y / 3 * Math.PI)) * 2 / 3;
  dLat += (160 * Math.sin(y / 12 * Math.PI) + 320 * Math.sin(y * Math.PI / 30)) * 2 / 3;
  let dLng = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  dLng += (20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2 / 3;
  dLng += (20 * Math.sin(x * Math.PI) + 40 * Math.sin(x / 3 * Math.PI)) * 2 / 3;
  dLng += (150 * Math.sin(x / 12 * Math.PI) + 300 * Math.sin(x / 30 * Math.PI)) * 2 / 3;
  const rad = lat / 180 * Math.PI;
  const m = 1 - GCJ_EE * Math.sin(rad) * Math.sin(rad), sq = Math.sqrt(m);
  return [dLat * 180 / ((GCJ_A * (1 - GCJ_EE)) / (m * sq) * Math.PI), dLng * 180 / (GCJ_A / sq * Math.cos(rad) * Math.PI)];
}
const inChina = (lat, lng) => lng >= 72.004 && lng <= 137.8347 && lat >= 0.8293 && lat <= 55.8271;
export function wgsToGcj(lat, lng) {
  if (!inChina(lat, lng)) return [lat, lng];
  const d = gcjDelta(lat, lng);
  return [lat + d[0], lng + d[1]];
}
export function gcjToWgs(lat, lng) {
  let w = [lat, lng];
  for (let i = 0; i < 5; i++) { // the forward map is near the identity: a few steps converge
    const g = wgsToGcj(w[0], w[1]);
    w = [w[0] - (g[0] - lat), w[1] - (g[1] - lng)];
  }
  return w;
}
const gcjCRS = () => L.extend({}, L.CRS.EPSG3857, {
  projection: {
    bounds: L.Projection.SphericalMercator.bounds,
    project(ll) { const g = wgsToGcj(ll.lat, ll.lng); return L.Projection.SphericalMercator.project(L.latLng(g[0], g[1])); },
    unproject(p) { const g = L.Projection.SphericalMercator.unproject(p); const w = gcjToWgs(g.lat, g.lng); return L.latLng(w[0], w[1]); },
  },
});

// The vector layer is the same for every map of a page: fetched once.
let baseLayerData = null;
function baseLayer(map) {
  baseLayerData = baseLayerData || fetch('/web/map/base', { credentials: 'same-origin' }).then((r) => (r.ok ? r.json() : null)).catch(() => null);
  map.createPane('basemap').style.zIndex = 250; // over tiles (200), under the data (400)
  const renderer = L.canvas({ pane: 'basemap' });
  const style = {
    district: { color: '#5b6b7b', weight: 2.5, fill: true, fillColor: '#eef1f4', fillOpacity: 0.35 },
    street: { color: '#8a99a8', weight: 1, dashArray: '4 4', fill: false },
    road: { color: '#ffffff', weight: 5, opacity: 1 },
  };
  const casing = L.layerGroup().addTo(map);
  // Close up, each road in view is named once, where it passes nearest the
  // middle of the view: a long road's own middle is rarely on screen.
  let roadLabels = [];
  const labels = L.layerGroup().addTo(map);
  const drawRoadLabels = () => {
    labels.clearLayers();
    if (map.getZoom() < 15) return;
    const b = map.getBounds().pad(-0.1), c = map.getCenter(), vb = map.getBounds();
    // North–south roads are named in the upper half (else the lower),
    // east–west ones in the left half (else the right), where the road
    // crosses that line, so names at a crossing do not overlap and a road
    // that ends in view (北街 becoming 南街) is named on its own part.
    const up = L.latLng((c.lat + vb.getNorth()) / 2, c.lng), down = L.latLng((c.lat + vb.getSouth()) / 2, c.lng);
    const left = L.latLng(c.lat, (c.lng + vb.getWest()) / 2), right = L.latLng(c.lat, (c.lng + vb.getEast()) / 2);
    for (const f of roadLabels) {
      const near = nearestOnRoad(f.geometry.coordinates, c);
      let ll = null;
      for (const t of near ? (near.vertical ? [up, down] : [left, right]) : []) {
        const p = nearestOnRoad(f.geometry.coordinates, t);
        if (p && Math.abs(near.vertical ? p.lat - t.lat : p.lng - t.lng) < 1e-7) { ll = p; break; }
      }
      if (ll && b.contains(ll)) {
        labels.addLayer(L.tooltip({ permanent: true, direction: 'center', className: 'base-label base-road', interactive: false }).setLatLng(ll).setContent(f.properties.name));
      }
    }
  };
  map.on('moveend', drawRoadLabels);
  baseLayerData.then((fc) => {
    if (!fc) return;
    const layer = L.geoJSON(fc, {
      pane: 'basemap', renderer, interactive: false,
      style: (f) => style[f.properties.kind] || style.road,
      onEachFeature: (f, l) => {
        const k = f.properties.kind;
        if (k !== 'road') l.bindTooltip(f.properties.name, { permanent: true, direction: 'center', className: 'base-label base-' + k, interactive: false });
      },
    });
    roadLabels = fc.features.filter((f) => f.properties.kind === 'road');
    drawRoadLabels();
    // A grey casing under the white road makes it read as a road.
    L.geoJSON({ type: 'FeatureCollection', features: fc.features.filter((f) => f.properties.kind === 'road') },
      { pane: 'basemap', renderer, interactive: false, style: { color: '#c5ccd3', weight: 7 } }).addTo(casing);
    layer.addTo(map);
  });
  // Labels by zoom: districts when far, streets nearer, road names close.
  const zoomClass = () => {
    const z = map.getZoom(), c = map.getContainer().classList;
    c.toggle('z-far', z < 13);
    c.toggle('z-mid', z >= 13 && z < 15);
    c.toggle('z-near', z >= 15);
  };
  map.on('zoomend', zoomClass);
  map.whenReady(zoomClass);
}

// nearestOnRoad is the point of a road's line nearest to c (lat/lng,
// with longitude scaled by cos(lat) so that distances are true enough).
function nearestOnRoad(coords, c) {
  const k = Math.cos(c.lat * Math.PI / 180);
  let best = null, bestD = Infinity;
  for (let i = 1; i < coords.length; i++) {
    const ax = coords[i - 1][0] * k, ay = coords[i - 1][1], bx = coords[i][0] * k, by = coords[i][1];
    const px = c.lng * k, py = c.lat, dx = bx - ax, dy = by - ay, l2 = dx * dx + dy * dy;
    const t = l2 > 0 ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / l2)) : 0;
    const x = ax + t * dx, y = ay + t * dy, d = (x - px) ** 2 + (y - py) ** 2;
    if (d < bestD) { bestD = d; best = L.latLng(y, x / k); best.vertical = Math.abs(dy) > Math.abs(dx); }
  }
  return best;
}

// baseMap makes a Leaflet map on the city's base map: its tiles (shifted
// to GCJ-02 when they are 高德's) and/or its own vector layer.
export function baseMap(node, opts) {
  const spec = baseSpec(node);
  const o = Object.assign({ preferCanvas: true, zoomControl: true, maxZoom: 19, minZoom: 8 }, opts || {});
  if (spec.crs === 'gcj02') o.crs = gcjCRS();
  const map = L.map(node, o);
  for (const t of spec.tiles || []) {
    L.tileLayer(t.url, { maxZoom: t.max_zoom || 19, subdomains: t.subdomains || 'abc', attribution: t.attribution || '' }).addTo(map);
  }
  if (spec.vector || !(spec.tiles || []).length) {
    node.classList.add('blank');
    baseLayer(map);
  }
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

// pointMap draws one place on a small map: node.dataset.geo holds
// {"point": [lat, lng]}; the node is hidden when it cannot be read.
export function pointMap(node, zoom) {
  try {
    const pt = JSON.parse(node.dataset.geo).point;
    const m = baseMap(node).setView(pt, zoom);
    L.circleMarker(pt, { radius: 9, color: '#b42318', fillColor: '#b42318', fillOpacity: 0.9 }).addTo(m);
    node.dataset.ready = '1';
    return m;
  } catch (e) {
    node.hidden = true;
    return null;
  }
}
