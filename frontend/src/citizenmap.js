// Public case map island: open cases of the last 30 days as points
// coloured by light (no reporter data; the server sends none).
import { L, baseMap, center, regions } from './common.js';

const node = document.getElementById('public-map');
if (node) {
  const en = node.dataset.en === '1';
  const stats = document.getElementById('map-stats');
  const map = baseMap(node).setView(center(node, [32.05, 118.78]), 11);
  const colors = ['#1a7f37', '#d4a72c', '#b42318', '#57606a'];
  regions(map, 'district', '', { color: '#0b5394', weight: 2, fill: false });
  fetch(node.dataset.src, { credentials: 'omit' })
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error(String(r.status)))))
    .then((d) => {
      const layer = L.layerGroup();
      for (let i = 0; i < d.n; i++) {
        const p = d.p.slice(4 * i, 4 * i + 4);
        L.circleMarker([p[0], p[1]], { radius: 5, weight: 1, color: '#fff', fillColor: colors[p[2]], fillOpacity: 0.9 })
          .bindTooltip(d.s[p[3]] + ' · ' + d.l[p[2]])
          .addTo(layer);
      }
      layer.addTo(map);
      node.dataset.points = String(d.n);
      stats.textContent = en ? `${d.n} open cases, last ${d.days} days` : `近${d.days}天在办 ${d.n} 件`;
    })
    .catch(() => { stats.textContent = en ? 'The map data could not be loaded; try again later.' : '地图数据加载失败，请稍后再试。'; });
}
