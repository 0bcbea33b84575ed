// Citizen report island: two steps (photo + location, then words), GPS or a
// tap on the map, and a category suggested from the words.
import { L, baseMap, center, regions, pointMap } from './common.js';

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
  // The point is checked against the city in step 1 (the same grid index
  // the server files by), so a pin outside it is moved before anything is
  // typed. inside: true, false, or null while unknown (offline: the server
  // checks again and re-shows the form with everything kept).
  let inside = null, checking = null;
  const outsideMsg = en ? 'This point is outside the city: tap the map where the problem is.'
    : '这个位置不在本市范围内，请在地图上重新点选问题所在的位置。';
  const check = (la, ln, label) => {
    inside = null;
    checking = fetch(`/api/v1/locate?crs=wgs84&lng=${ln.toFixed(6)}&lat=${la.toFixed(6)}`)
      .then(async (r) => {
        if (r.ok) {
          const loc = await r.json();
          inside = true;
          status.classList.remove('error');
          // The address an intake here would write, so the citizen can
          // check the pin by a road name rather than by coordinates.
          const names = (loc.names || []).slice(1, 4).join(' ');
          status.textContent = loc.address ? `${label}${en ? ": " : "："}${loc.address}` : label + (names ? ` · ${names}` : '');
          status.dataset.address = loc.address || '';
        } else if (r.status === 422) {
          inside = false;
          status.classList.add('error');
          status.textContent = outsideMsg;
        }
      })
      .catch(() => {});
    return checking;
  };
  const set = (la, ln, how) => {
    lat.value = la.toFixed(6);
    lng.value = ln.toFixed(6);
    if (marker) marker.setLatLng([la, ln]);
    else marker = L.circleMarker([la, ln], { radius: 9, color: '#b42318', fillColor: '#b42318', fillOpacity: 0.9 }).addTo(map);
    const label = (en ? 'Location set' : '已选位置') + ` (${how})`;
    status.textContent = `${label}: ${ln.toFixed(5)}, ${la.toFixed(5)}`;
    return check(la, ln, label);
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
  // A form the server sent back keeps its pin: show it and check it again.
  if (lat.value && lng.value && !isNaN(+lat.value) && !isNaN(+lng.value)) {
    // Centre on it only when it is in the city; otherwise the city stays
    // in view, where the new pin belongs.
    set(+lat.value, +lng.value, en ? 'sent before' : '上次所选').then(() => { if (inside) map.setView([+lat.value, +lng.value], 15); });
  }
  const kept = form.querySelector('input[name=kept]');
  next.addEventListener('click', async () => {
    if (!photo.files.length && !kept) { status.textContent = en ? 'Add a photo first' : '请先拍照或选择照片'; photo.focus(); return; }
    if (!lat.value) { status.textContent = en ? 'Choose a location: GPS or tap the map' : '请使用当前位置或在地图上点选'; $('gps').focus(); return; }
    if (checking) await checking;
    if (inside === false) { status.classList.add('error'); status.textContent = outsideMsg; mapNode.focus(); return; }
    show(2);
  });
  back.addEventListener('click', () => show(1));

  // The category suggested from the words is offered, never applied: the
  // first as a chip to tap, the alternates beside it. What the person chose
  // (or left to the operator) stays until they tap.
  const cat = $('category'), box = $('suggestion');
  const has = (ref) => [...cat.options].some((o) => o.value === ref);
  const chip = (sg, first) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = first ? 'chip' : 'chip alt';
    b.dataset.ref = sg.ref;
    b.textContent = first ? (en ? `${sg.name} (tap to use)` : `${sg.name}（点此选用）`) : sg.name;
    b.addEventListener('click', () => {
      cat.value = sg.ref;
      cat.dispatchEvent(new Event('change', { bubbles: true }));
      box.replaceChildren(document.createTextNode((en ? 'Category chosen: ' : '已选用类别：') + sg.name));
    });
    return b;
  };
  const offer = (list) => {
    list = list.filter((sg) => has(sg.ref) && sg.ref !== cat.value);
    if (!list.length) { box.replaceChildren(); return; }
    const nodes = [document.createTextNode(en ? 'Suggested category: ' : '建议类别：'), chip(list[0], true)];
    if (list.length > 1) {
      nodes.push(document.createTextNode(en ? ' Or: ' : ' 或：'));
      for (const sg of list.slice(1)) nodes.push(chip(sg, false));
    }
    box.replaceChildren(...nodes);
  };
  let t = null, asked = 0;
  const ask = (words) => {
    const n = ++asked;
    fetch('/citizen/suggest?q=' + encodeURIComponent(words))
      .then((r) => (r.ok ? r.json() : null))
      .then((s) => { if (s && n === asked) offer(s.suggestions || []); })
      .catch(() => {});
  };
  const desc = $('description');
  desc.addEventListener('input', () => { clearTimeout(t); t = setTimeout(() => ask(desc.value), 300); });
  if (desc.value.trim()) ask(desc.value);
}

// The tracking page's outcome: a small map of the place the case was at.
const trackMap = document.getElementById('track-map');
if (trackMap) pointMap(trackMap, 16);
