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
  // A road's name is repeated along it (a long road's middle is rarely in
  // view), and only the labels in view are on the page, close up.
  let roadLabels = [];
  const labels = L.layerGroup().addTo(map);
  const drawRoadLabels = () => {
    labels.clearLayers();
    if (map.getZoom() < 15) return;
    const b = map.getBounds().pad(0.1);
    for (const r of roadLabels) {
      if (b.contains(r.ll)) {
        labels.addLayer(L.tooltip({ permanent: true, direction: 'center', className: 'base-label base-road', interactive: false }).setLatLng(r.ll).setContent(r.name));
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
    roadLabels = labelPoints(fc.features.filter((f) => f.properties.kind === 'road'));
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

// labelPoints are the places a road's name is written: 300 m from its
// start, then every 800 m (or its middle, when shorter).
function labelPoints(roads) {
  const out = [];
  for (const f of roads) {
    const c = f.geometry.coordinates;
    let along = 0, next = 300;
    for (let i = 1; i < c.length; i++) {
      const k = Math.cos(c[i][1] * Math.PI / 180);
      const seg = Math.hypot((c[i][0] - c[i - 1][0]) * 111320 * k, (c[i][1] - c[i - 1][1]) * 110540);
      while (seg > 0 && next <= along + seg) {
        const t = (next - along) / seg;
        out.push({ name: f.properties.name, ll: L.latLng(c[i - 1][1] + t * (c[i][1] - c[i - 1][1]), c[i - 1][0] + t * (c[i][0] - c[i - 1][0])) });
        next += 800;
      }
      along += seg;
    }
    if (along < 300 && c.length > 1) {
      out.push({ name: f.properties.name, ll: L.latLng((c[0][1] + c[c.length - 1][1]) / 2, (c[0][0] + c[c.length - 1][0]) / 2) });
    }
  }
  return out;
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
