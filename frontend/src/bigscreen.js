// Big screen (大屏) for the command centre: counters, the grid map coloured
// by a chosen figure, the 30-day trend and the district ranking. The first
// screen comes in the section's data-screen attribute (no inline script);
// later ones from /web/bigscreen/data, reloaded on the console's live event
// stream (at most every 5 s) and polled every 20 s in case a change is missed.
import { L, baseMap, regions } from './common.js';
import * as echarts from 'echarts/core';
import { LineChart } from 'echarts/charts';
import { GridComponent, TooltipComponent, LegendComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import './bigscreen.css';

echarts.use([LineChart, GridComponent, TooltipComponent, LegendComponent, CanvasRenderer]);

const root = document.getElementById('bigscreen');
if (root) {
  const en = root.dataset.en === '1';
  const t = (zh, e) => (en ? e : zh);
  const nm = (n) => (n ? (en ? n.en : n.zh) : '');
  const $ = (id) => document.getElementById(id);
  let screen = JSON.parse(root.dataset.screen || 'null');
  const NODATA = '#1f2a3a';
  // Good (green) → bad (red), readable on a dark wall.
  const stops = [[26, 152, 80], [145, 207, 96], [254, 224, 139], [252, 141, 89], [215, 48, 39]];
  const colour = (bad) => {
    const x = Math.max(0, Math.min(1, bad)) * (stops.length - 1);
    const i = Math.min(stops.length - 2, Math.floor(x));
    const f = x - i;
    const c = stops[i].map((v, k) => Math.round(v + (stops[i + 1][k] - v) * f));
    return `rgb(${c[0]},${c[1]},${c[2]})`;
  };
  const fmt = (v, unit) => (v === null || v === undefined ? t('无数据', 'no data') : (unit === '%' ? v.toFixed(1) + ' %' : String(Math.round(v * 100) / 100) + (unit === '件' ? t(' 件', '') : ' ' + t(unit, 'h'))));

  // --- map ---
  const mapNode = $('bs-map');
  const map = baseMap(mapNode, { preferCanvas: false, zoomControl: false, attributionControl: false, zoomSnap: 0.25 });
  map.setView([32.05, 118.78], 11);
  let gridLayer = null;
  let tipOf = (p) => p.name;
  const gridsReady = (async () => {
    const r = await fetch('/web/bigscreen/grids', { credentials: 'same-origin' });
    if (!r.ok) return;
    const items = await r.json();
    gridLayer = L.geoJSON(items.map((it) => ({ type: 'Feature', properties: { code: it.c, name: it.n }, geometry: it.g })), {
      // A city of thousands of 100 m grids shows its colours, not a mesh of
      // borders; a small one keeps the borders that tell grids apart.
      style: () => ({ stroke: items.length < 2000, color: '#0a1220', weight: 1, fillColor: NODATA, fillOpacity: 0.9, className: 'bs-grid' }),
    }).addTo(map);
    // One tooltip for the whole layer, filled when shown: thousands of
    // grids need no tooltip object each.
    gridLayer.bindTooltip((l) => tipOf(l.feature.properties), { sticky: true, className: 'bs-tip' });
    if (items.length) map.fitBounds(gridLayer.getBounds(), { padding: [16, 16] });
    mapNode.dataset.grids = String(items.length);
    const d = await regions(map, 'district', '', { color: '#cfe3ff', weight: 3, fill: false, className: 'bs-district' });
    mapNode.dataset.districts = d ? String(d.getLayers().length) : '0';
    // District names in large type, readable from across the room.
    if (d) d.eachLayer((l) => l.bindTooltip(l.feature.properties.name, { permanent: true, direction: 'center', className: 'bs-dlabel' }).openTooltip());
  })();

  const paintMap = (m) => {
    $('bs-map-title').textContent = `${t('网格着色', 'Grids')}：${nm(m.name)}（${m.from} – ${m.to}）`;
    const by = {};
    let lo = Infinity;
    let hi = -Infinity;
    for (const g of m.grids) {
      by[g.grid] = g;
      if (g.value !== null && g.value !== undefined) { lo = Math.min(lo, g.value); hi = Math.max(hi, g.value); }
    }
    const counts = m.unit === '件';
    if (counts) lo = 0; // a count's scale starts at none
    if (!isFinite(lo)) { lo = 0; hi = 0; }
    const bad = (v) => {
      if (hi === lo) return m.higher_is_better ? 0 : (v > 0 ? 1 : 0);
      const x = (v - lo) / (hi - lo);
      return m.higher_is_better ? 1 - x : x;
    };
    let painted = 0;
    if (gridLayer) {
      gridLayer.eachLayer((l) => {
        const g = by[l.feature.properties.code];
        const v = g ? g.value : null;
        const has = v !== null && v !== undefined;
        // A count of none is a value (0 cases), a rate without cases is not.
        const show = has || (counts && !g);
        const val = has ? v : 0;
        if (show) painted++;
        l.setStyle({ fillColor: show ? colour(bad(val)) : NODATA });
      });
    }
    mapNode.dataset.painted = String(painted);
    tipOf = (p) => {
      const g = by[p.code];
      const has = g && g.value !== null && g.value !== undefined;
      return `${p.name}：${has ? fmt(g.value, m.unit) : (counts ? fmt(0, m.unit) : t('无数据', 'no data'))}`;
    };
    const lg = $('bs-legend');
    lg.replaceChildren();
    const bar = document.createElement('span');
    bar.className = 'bs-scale' + (m.higher_is_better ? ' good-high' : '');
    const a = document.createElement('span');
    a.textContent = fmt(lo, m.unit);
    const b = document.createElement('span');
    b.textContent = fmt(hi, m.unit);
    const nd = document.createElement('span');
    nd.className = 'bs-nodata';
    nd.textContent = t('无数据', 'no data');
    lg.append(a, bar, b, nd);
  };

  // --- trend ---
  const trend = echarts.init($('bs-trend'), null, { renderer: 'canvas' });
  const axis = { color: '#c9d6e8', fontSize: 18 };
  const paintTrend = (tr) => {
    trend.setOption({
      animation: false,
      textStyle: { fontSize: 18, color: '#e8eef7' },
      legend: { top: 0, right: 8, textStyle: { color: '#e8eef7', fontSize: 20 }, data: [t('上报', 'Reported'), t('结案', 'Closed')] },
      grid: { left: 12, right: 20, top: 44, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', textStyle: { fontSize: 18 } },
      xAxis: { type: 'category', data: tr.days, axisLabel: Object.assign({ interval: 4 }, axis), axisLine: { lineStyle: { color: '#6b7c93' } } },
      yAxis: { type: 'value', minInterval: 1, axisLabel: axis, splitLine: { lineStyle: { color: '#243247' } } },
      series: [
        { name: t('上报', 'Reported'), type: 'line', data: tr.reported, smooth: false, symbolSize: 6, lineStyle: { width: 4 }, color: '#4da3ff', areaStyle: { opacity: 0.18 } },
        { name: t('结案', 'Closed'), type: 'line', data: tr.closed, smooth: false, symbolSize: 6, lineStyle: { width: 4 }, color: '#3ddc84' },
      ],
    });
  };

  // --- ranking ---
  const paintRanking = (rk) => {
    $('bs-rank-title').textContent = `${t('各区排名', 'Districts ranked')}：${nm(rk.name)}${rk.target != null ? t('（目标 ', ' (target ') + fmt(rk.target, rk.unit) + t('）', ')') : ''}`;
    const ol = $('bs-ranking');
    ol.replaceChildren();
    const vals = rk.items.filter((i) => i.value != null).map((i) => i.value);
    const top = Math.max(1e-9, ...vals, rk.unit === '%' ? 100 : 0);
    for (const it of rk.items.slice(0, 8)) {
      const li = document.createElement('li');
      if (it.meets_target === false) li.className = 'fail';
      const no = document.createElement('span');
      no.className = 'bs-rank-no';
      no.textContent = it.rank ? String(it.rank) : '—';
      const name = document.createElement('span');
      name.className = 'bs-rank-name';
      name.textContent = it.name;
      const bar = document.createElement('span');
      bar.className = 'bs-rank-bar';
      const fill = document.createElement('i');
      fill.style.width = it.value != null ? `${Math.max(2, (100 * it.value) / top)}%` : '0';
      bar.append(fill);
      const val = document.createElement('span');
      val.className = 'bs-rank-val';
      val.textContent = fmt(it.value, rk.unit);
      li.append(no, name, bar, val);
      ol.append(li);
    }
  };

  const paint = (sc) => {
    for (const k of ['reported_today', 'open', 'overdue', 'closed_today']) $('bs-' + k).textContent = String(sc.counters[k]);
    const at = new Date(sc.at);
    $('bs-at').textContent = at.toLocaleString(en ? 'en-GB' : 'zh-CN', { hour12: false });
    paintTrend(sc.trend);
    paintRanking(sc.ranking);
    paintMap(sc.map);
    root.dataset.ready = '1';
  };

  const figure = $('bs-figure');
  const rank = $('bs-rank');
  let loading = false;
  let last = 0;
  const refresh = async () => {
    if (loading) return;
    loading = true;
    last = Date.now();
    try {
      const q = new URLSearchParams({ figure: figure.value, rank: rank.value });
      const r = await fetch('/web/bigscreen/data?' + q, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
      if (r.status === 401) { location.reload(); return; }
      if (r.ok) { screen = await r.json(); paint(screen); }
    } catch (e) {
      // The next poll tries again; the wall keeps the last figures.
    } finally {
      loading = false;
    }
  };
  for (const sel of [figure, rank]) {
    sel.addEventListener('change', () => {
      history.replaceState(null, '', '?' + new URLSearchParams({ figure: figure.value, rank: rank.value }));
      refresh();
    });
  }
  gridsReady.then(() => paint(screen), () => paint(screen));
  setInterval(refresh, 20000);
  let timer = null;
  const live = $('bs-live');
  if (window.EventSource) {
    const es = new EventSource('/console/events');
    es.addEventListener('open', () => { live.textContent = t('● 实时', '● live'); live.className = 'bs-live on'; });
    es.addEventListener('error', () => { live.textContent = t('○ 每20秒刷新', '○ every 20 s'); live.className = 'bs-live'; });
    es.addEventListener('change', () => {
      if (timer) return;
      timer = setTimeout(() => { timer = null; refresh(); }, Math.max(0, 5000 - (Date.now() - last)));
    });
  }
  window.addEventListener('resize', () => trend.resize());
}
