// City map island: every case as a point, clustered, coloured by light;
// unit grids drawn when zoomed in (district outlines otherwise).
import { L, baseMap, center, regions } from './common.js';
import 'leaflet.markercluster';

const node = document.getElementById('city-map');
if (node) {
  const en = node.dataset.en === '1';
  const stats = document.getElementById('map-stats');
  const zoom = Number(new URLSearchParams(location.search).get('zoom')) || 11;
  const map = baseMap(node).setView(center(node, [32.05, 118.78]), zoom);
  const colors = ['#1a7f37', '#d4a72c', '#b42318', '#57606a'];
  const names = en ? ['green', 'yellow', 'red', 'none'] : ['绿', '黄', '红', '无'];
  regions(map, 'district', '', { color: '#0b5394', weight: 2, fill: false });

  // Grids: fetched for the view when zoomed in far enough to read them.
  let gridLayer = null;
  let gridSeq = 0;
  const grids = async () => {
    const seq = ++gridSeq;
    if (map.getZoom() < 14) {
      if (gridLayer) { gridLayer.remove(); gridLayer = null; }
      node.dataset.grids = '0';
      return;
    }
    const b = map.getBounds();
    const layer = await regions(map, 'grid', [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].join(','), { color: '#6e7781', weight: 1, fillOpacity: 0.03 });
    if (seq !== gridSeq) { if (layer) layer.remove(); return; }
    if (gridLayer) gridLayer.remove();
    gridLayer = layer;
    node.dataset.grids = layer ? String(layer.getLayers().length) : '0';
  };
  map.on('moveend', grids);
  grids();

  const worst = (cluster) => {
    let w = 0;
    for (const m of cluster.getAllChildMarkers()) {
      const l = m.options.light;
      if (l === 2) return 2;
      if (l === 1) w = 1;
    }
    return w;
  };
  const t0 = performance.now();
  fetch('/web/map/cases' + location.search, { credentials: 'same-origin' })
    .then((r) => r.json())
    .then((d) => {
      const t1 = performance.now();
      const p = d.p;
      const markers = new Array(d.n);
      for (let i = 0; i < d.n; i++) {
        const light = p[4 * i + 2];
        const m = L.circleMarker([p[4 * i], p[4 * i + 1]], { radius: 6, weight: 1, color: '#fff', fillColor: colors[light], fillOpacity: 0.9, light });
        m.code = d.c[i];
        m.status = d.s[p[4 * i + 3]];
        markers[i] = m;
      }
      const cluster = L.markerClusterGroup({
        chunkedLoading: true,
        chunkInterval: 100,
        showCoverageOnHover: false,
        disableClusteringAtZoom: 18,
        iconCreateFunction: (c) => {
          const n = c.getChildCount();
          const l = worst(c);
          return L.divIcon({ html: '<span>' + n + '</span>', className: 'cluster cluster-' + l, iconSize: L.point(40, 40) });
        },
        chunkProgress: (done, total) => {
          if (done === total) {
            const t2 = performance.now();
            node.dataset.points = String(d.n);
            node.dataset.fetchMs = String(Math.round(t1 - t0));
            node.dataset.drawMs = String(Math.round(t2 - t1));
            stats.textContent = (en ? `${d.n} cases · data ${Math.round(t1 - t0)} ms · draw ${Math.round(t2 - t1)} ms`
              : `${d.n} 件 · 数据 ${Math.round(t1 - t0)} 毫秒 · 绘制 ${Math.round(t2 - t1)} 毫秒`);
          }
        },
      });
      cluster.on('click', (e) => {
        const m = e.layer;
        const a = document.createElement('a');
        a.href = '/console/code/' + encodeURIComponent(m.code);
        a.textContent = m.code + ' · ' + m.status + ' · ' + names[m.options.light];
        L.popup().setLatLng(m.getLatLng()).setContent(a).openOn(map);
      });
      cluster.addLayers(markers);
      map.addLayer(cluster);
    })
    .catch((e) => {
      node.dataset.error = String(e);
      stats.textContent = (en ? 'Could not load the cases: ' : '案件数据加载失败：') + e;
    });
}
