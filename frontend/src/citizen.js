// Citizen report island: two steps (photo + location, then words), GPS or a
// tap on the map, and a category suggested from the words.
import { L, baseMap, center, regions } from './common.js';

document.documentElement.classList.add('js');
const form = document.getElementById('report');
if (form) {
  const $ = (id) => document.getElementById(id);
  const lng = $('lng'), lat = $('lat'), status = $('loc-status'), photo = $('photo');
  const step1 = $('step1'), step2 = $('step2'), next = $('to-step2'), back = $('back-step1');
  const en = document.documentElement.lang === 'en';
  for (const id of ['gps', 'tap-hint', 'pick-map', 'to-step2', 'back-step1']) $(id).hidden = false;
  lng.type = 'hidden';
  lat.type = 'hidden';
  form.querySelector('.nojs-loc').hidden = true;

  const show = (s) => {
    step1.classList.toggle('current', s === 1);
    step2.classList.toggle('current', s === 2);
    (s === 1 ? photo : $('description')).focus();
  };
  step1.classList.add('current');

  const mapNode = $('pick-map');
  const map = baseMap(mapNode).setView(center(mapNode, [32.05, 118.78]), 12);
  regions(map, 'district', '', { color: '#0b5394', weight: 2, fillOpacity: 0.04 });
  let marker = null;
  const set = (la, ln, how) => {
    lat.value = la.toFixed(6);
    lng.value = ln.toFixed(6);
    if (marker) marker.setLatLng([la, ln]);
    else marker = L.circleMarker([la, ln], { radius: 9, color: '#b42318', fillColor: '#b42318', fillOpacity: 0.9 }).addTo(map);
    status.textContent = (en ? 'Location set' : '已选位置') + ` (${how}): ${ln.toFixed(5)}, ${la.toFixed(5)}`;
  };
  map.on('click', (e) => set(e.latlng.lat, e.latlng.lng, en ? 'map' : '地图'));
  $('gps').addEventListener('click', () => {
    if (!navigator.geolocation) { status.textContent = en ? 'No GPS on this device; tap the map' : '设备不支持定位，请在地图上点选'; return; }
    status.textContent = en ? 'Locating…' : '正在定位…';
    navigator.geolocation.getCurrentPosition(
      (p) => { set(p.coords.latitude, p.coords.longitude, 'GPS'); map.setView([p.coords.latitude, p.coords.longitude], 16); },
      () => { status.textContent = en ? 'Could not get the location; tap the map' : '无法获取位置，请在地图上点选'; },
      { enableHighAccuracy: true, timeout: 15000 });
  });
  next.addEventListener('click', () => {
    if (!photo.files.length) { status.textContent = en ? 'Add a photo first' : '请先拍照或选择照片'; photo.focus(); return; }
    if (!lat.value) { status.textContent = en ? 'Choose a location: GPS or tap the map' : '请使用当前位置或在地图上点选'; $('gps').focus(); return; }
    show(2);
  });
  back.addEventListener('click', () => show(1));

  // Category suggestion from the words, unless the person chose one.
  const cat = $('category'), hint = $('suggestion');
  let chosen = false, t = null;
  cat.addEventListener('change', () => { chosen = true; });
  $('description').addEventListener('input', (e) => {
    clearTimeout(t);
    t = setTimeout(async () => {
      if (chosen) return;
      const r = await fetch('/citizen/suggest?q=' + encodeURIComponent(e.target.value));
      if (!r.ok) return;
      const s = await r.json();
      cat.value = s.ref || '';
      hint.textContent = s.ref ? (en ? 'Suggested category: ' : '建议类别：') + s.name : '';
    }, 300);
  });
}
