// Overview charts (leader's workbench only): ECharts, only the parts used.
// The data comes from the section's data-charts attribute (no inline script).
import * as echarts from 'echarts/core';
import { LineChart, BarChart, PieChart } from 'echarts/charts';
import { GridComponent, TooltipComponent, LegendComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([LineChart, BarChart, PieChart, GridComponent, TooltipComponent, LegendComponent, CanvasRenderer]);

const box = document.getElementById('charts');
if (box) {
  const d = JSON.parse(box.dataset.charts);
  const grid = { left: 16, right: 16, top: 16, bottom: 40, containLabel: true };
  const charts = [];
  const draw = (id, option) => {
    const el = document.getElementById(id);
    if (!el) return;
    const c = echarts.init(el, null, { renderer: 'canvas' });
    c.setOption(Object.assign({ animation: false, tooltip: { trigger: 'axis' } }, option));
    charts.push(c);
  };
  draw('chart-reported', {
    grid,
    xAxis: { type: 'category', data: d.reported.labels, axisLabel: { rotate: 45 } },
    yAxis: { type: 'value', minInterval: 1 },
    series: [{ type: 'line', data: d.reported.values, smooth: true, areaStyle: { opacity: 0.15 }, color: '#0b5394' }],
  });
  draw('chart-lights', {
    tooltip: { trigger: 'item' },
    series: [{
      type: 'pie', radius: ['35%', '65%'],
      data: d.lights.labels.map((name, i) => ({ name, value: d.lights.values[i] })),
      color: ['#1a7f37', '#bf8700', '#b42318'],
      label: { formatter: '{b}: {c}' },
    }],
  });
  draw('chart-top', {
    grid: Object.assign({}, grid, { left: 8 }),
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', data: (d.top.labels || []).slice().reverse() },
    series: [{ type: 'bar', data: (d.top.values || []).slice().reverse(), color: '#0b5394' }],
  });
  draw('chart-districts', {
    grid, legend: { bottom: 0, data: d.districts.names },
    xAxis: { type: 'category', data: d.districts.labels || [] },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      { name: d.districts.names[0], type: 'bar', data: d.districts.values || [], color: '#0b5394' },
      { name: d.districts.names[1], type: 'bar', data: d.districts.overdue || [], color: '#b42318' },
    ],
  });
  window.addEventListener('resize', () => charts.forEach((c) => c.resize()));
  box.dataset.ready = '1';
}
