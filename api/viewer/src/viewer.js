// The Forsyning web map viewer: the vector tile layers the caller may see,
// a layer switcher with a legend, sign-in with an API token (kept in
// sessionStorage for this tab only), and drawing a dig request.
//
// Tiles: GET /tiles lists the layers ({layers: [{id, name, tilejson}]});
// each TileJSON names /tiles/{source}/{z}/{x}/{y}.mvt. The token travels
// as `Authorization: Bearer` through MapLibre's transformRequest.
import * as maplibregl from './maplibre-gl.mjs';

const TOKEN_KEY = 'forsyning.token';

// Network themes (MVT layer names of the `network` source), their labels
// and colours; every colour has at least 3:1 contrast on the background.
const THEMES = [
  ['electricity', 'Electricity', '#c00000'],
  ['gas', 'Gas', '#8a6500'],
  ['water', 'Water', '#0050b3'],
  ['sewer', 'Sewer', '#6b3e1f'],
  ['district_heating', 'District heating', '#b34700'],
  ['oil', 'Oil', '#6a2c91'],
  ['telecom', 'Telecom', '#00703c'],
  ['other', 'Other', '#4d4d4d'],
];
const BACKGROUND = '#f4f3ee';
const AREA_LAYERS = {
  'interest-areas': { sourceLayer: 'interest_areas', colour: '#0b57a4', label: 'Interest areas' },
  'dig-requests': { sourceLayer: 'dig_requests', colour: '#b35900', label: 'Dig requests' },
};
const OTHER_COLOURS = ['#005f73', '#9b2226', '#3a5a40', '#5a189a'];

const $ = (id) => document.getElementById(id);
const state = {
  token: sessionStorage.getItem(TOKEN_KEY),
  tileLayers: [],
  hidden: new Set(),
  drawing: false,
  corners: [],
  lastReport: null,
  // Whether the view was chosen (URL hash or the user): TileJSON centres no longer apply.
  moved: false,
};

function authHeaders() {
  return state.token ? { Authorization: `Bearer ${state.token}` } : {};
}

function sameOrigin(url) {
  try {
    return new URL(url, location.href).origin === location.origin;
  } catch {
    return false;
  }
}

async function api(path, options = {}) {
  const res = await fetch(path, {
    ...options,
    headers: { ...(options.headers || {}), ...authHeaders() },
  });
  let body = null;
  const text = await res.text();
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = { message: text };
  }
  return { ok: res.ok, status: res.status, body };
}

// ---------- style ----------

/** The style layers of one tile source: [mapLayerId, switcherKey, layer]. */
/** The themes a network source has, by its TileJSON's vector_layers (all without one). */
function themesOf(source) {
  return THEMES.filter(([code]) => !source.vectorLayers || source.vectorLayers.includes(code));
}

function layersOf(source, index) {
  const out = [];
  if (source.id === 'network') {
    for (const [code, , colour] of themesOf(source)) {
      const key = `network:${code}`;
      out.push([`net-${code}-line`, key, {
        type: 'line', source: 'network', 'source-layer': code,
        filter: ['!=', ['geometry-type'], 'Point'],
        paint: { 'line-color': colour, 'line-width': ['interpolate', ['linear'], ['zoom'], 12, 1, 18, 4] },
      }]);
      out.push([`net-${code}-point`, key, {
        type: 'circle', source: 'network', 'source-layer': code,
        filter: ['==', ['geometry-type'], 'Point'],
        paint: { 'circle-color': colour, 'circle-radius': 3, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1 },
      }]);
    }
    return out;
  }
  const known = AREA_LAYERS[source.id];
  const colour = known ? known.colour : OTHER_COLOURS[index % OTHER_COLOURS.length];
  let sourceLayer = known ? known.sourceLayer : source.id.replaceAll('-', '_');
  if (source.vectorLayers && !source.vectorLayers.includes(sourceLayer) && source.vectorLayers.length) {
    [sourceLayer] = source.vectorLayers;
  }
  out.push([`${source.id}-fill`, source.id, {
    type: 'fill', source: source.id, 'source-layer': sourceLayer,
    paint: { 'fill-color': colour, 'fill-opacity': 0.12 },
  }]);
  out.push([`${source.id}-line`, source.id, {
    type: 'line', source: source.id, 'source-layer': sourceLayer,
    paint: { 'line-color': colour, 'line-width': 2 },
  }]);
  return out;
}

function drawnGeoJson() {
  const c = state.corners;
  const features = c.map((p) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: p }, properties: {} }));
  if (c.length >= 3) {
    features.push({ type: 'Feature', geometry: { type: 'Polygon', coordinates: [[...c, c[0]]] }, properties: {} });
  } else if (c.length === 2) {
    features.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: c }, properties: {} });
  }
  return { type: 'FeatureCollection', features };
}

function buildStyle() {
  const sources = { drawn: { type: 'geojson', data: drawnGeoJson() } };
  const layers = [{ id: 'background', type: 'background', paint: { 'background-color': BACKGROUND } }];
  state.tileLayers.forEach((source, i) => {
    sources[source.id] = { type: 'vector', url: source.tilejson };
    for (const [id, key, layer] of layersOf(source, i)) {
      layers.push({ id, ...layer, layout: { visibility: state.hidden.has(key) ? 'none' : 'visible' } });
    }
  });
  const drawnLayout = { visibility: state.hidden.has('drawn') ? 'none' : 'visible' };
  layers.push(
    { id: 'drawn-fill', type: 'fill', source: 'drawn', filter: ['==', ['geometry-type'], 'Polygon'], layout: drawnLayout, paint: { 'fill-color': '#b35900', 'fill-opacity': 0.2 } },
    { id: 'drawn-line', type: 'line', source: 'drawn', filter: ['!=', ['geometry-type'], 'Point'], layout: drawnLayout, paint: { 'line-color': '#7a3d00', 'line-width': 2, 'line-dasharray': [2, 1] } },
    { id: 'drawn-corner', type: 'circle', source: 'drawn', filter: ['==', ['geometry-type'], 'Point'], layout: drawnLayout, paint: { 'circle-color': '#7a3d00', 'circle-radius': 4 } },
  );
  return { version: 8, sources, layers };
}

// ---------- map ----------

const map = new maplibregl.Map({
  container: 'map',
  style: buildStyle(),
  center: [10.9, 56.1],
  zoom: 6.5,
  hash: true,
  attributionControl: { compact: false },
  transformRequest: (url) => (state.token && sameOrigin(url) ? { url, headers: authHeaders() } : { url }),
});
map.addControl(new maplibregl.NavigationControl({ showCompass: true }), 'top-right');
map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
map.getCanvas().setAttribute('aria-label', 'Map. Use the arrow keys to pan, plus and minus to zoom.');

function mapLayerIds(key) {
  return map.getStyle().layers.map((l) => l.id).filter((id) => {
    const entry = switcherKeyOf(id);
    return entry === key;
  });
}

function switcherKeyOf(layerId) {
  if (layerId.startsWith('drawn-')) return 'drawn';
  for (const [i, source] of state.tileLayers.entries()) {
    for (const [id, key] of layersOf(source, i)) if (id === layerId) return key;
  }
  return null;
}

function setVisible(key, visible) {
  if (visible) state.hidden.delete(key); else state.hidden.add(key);
  for (const id of mapLayerIds(key)) map.setLayoutProperty(id, 'visibility', visible ? 'visible' : 'none');
}

// ---------- layer switcher and legend ----------

function checkbox(key, label, colour, area) {
  const row = document.createElement('div');
  row.className = 'layer';
  const input = document.createElement('input');
  input.type = 'checkbox';
  input.id = `layer-${key.replace(/[^a-z0-9]+/gi, '-')}`;
  input.checked = !state.hidden.has(key);
  input.dataset.layer = key;
  input.addEventListener('change', () => setVisible(key, input.checked));
  const swatch = document.createElement('span');
  swatch.className = area ? 'swatch area' : 'swatch';
  swatch.style.background = colour;
  swatch.setAttribute('aria-hidden', 'true');
  const text = document.createElement('label');
  text.htmlFor = input.id;
  text.textContent = label;
  row.append(input, swatch, text);
  return row;
}

function renderSwitcher() {
  const box = $('layers');
  box.replaceChildren();
  state.tileLayers.forEach((source, i) => {
    const fieldset = document.createElement('fieldset');
    const legend = document.createElement('legend');
    legend.textContent = source.name || source.id;
    fieldset.append(legend);
    if (source.id === 'network') {
      for (const [code, label, colour] of themesOf(source)) fieldset.append(checkbox(`network:${code}`, label, colour, false));
    } else {
      const known = AREA_LAYERS[source.id];
      const colour = known ? known.colour : OTHER_COLOURS[i % OTHER_COLOURS.length];
      fieldset.append(checkbox(source.id, known ? known.label : source.name || source.id, colour, true));
    }
    box.append(fieldset);
  });
  // The area being drawn, a layer of this page (no tiles).
  const own = document.createElement('fieldset');
  const legend = document.createElement('legend');
  legend.textContent = 'Your drawing';
  own.append(legend, checkbox('drawn', 'Dig area being drawn', '#b35900', true));
  box.append(own);
}

async function loadLayers() {
  const status = $('tiles-status');
  try {
    const res = await api('/tiles');
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    state.tileLayers = (res.body && res.body.layers) || [];
    // Each TileJSON says which MVT layers its source has, and where it is.
    await Promise.all(state.tileLayers.map(async (source) => {
      const tj = await api(source.tilejson);
      if (!tj.ok || !tj.body) return;
      const ids = (tj.body.vector_layers || []).map((l) => l.id);
      source.vectorLayers = ids.length ? ids : null;
      source.center = tj.body.center;
    }));
    const network = state.tileLayers.find((l) => l.id === 'network');
    if (!state.moved && !location.hash && network && Array.isArray(network.center)) {
      const [lng, lat, zoom] = network.center;
      map.jumpTo({ center: [lng, lat], zoom: zoom || 13 });
    }
    status.textContent = state.tileLayers.length ? '' : 'No tile layers are available to you.';
    status.className = '';
  } catch (e) {
    state.tileLayers = [];
    status.textContent = `Vector tiles are not available (${e.message}).`;
    status.className = 'error';
  }
  renderSwitcher();
  map.setStyle(buildStyle());
}

// ---------- sign-in ----------

async function showWho() {
  const who = $('who');
  if (!state.token) {
    who.textContent = 'Not signed in: only public layers.';
    return;
  }
  const res = await api('/api/v1/me');
  if (res.ok && res.body && res.body.org_id) {
    who.textContent = `Signed in as ${res.body.name} (${res.body.org_id}, ${res.body.role}).`;
    who.className = '';
  } else {
    who.textContent = `Sign-in failed: ${(res.body && res.body.message) || `HTTP ${res.status}`}`;
    who.className = 'error';
    state.token = null;
    sessionStorage.removeItem(TOKEN_KEY);
  }
}

$('signin').addEventListener('submit', async (e) => {
  e.preventDefault();
  const t = $('token').value.trim();
  if (!t) return;
  state.token = t;
  sessionStorage.setItem(TOKEN_KEY, t);
  $('token').value = '';
  await showWho();
  await loadLayers();
});
$('signout-btn').addEventListener('click', async () => {
  state.token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  await showWho();
  await loadLayers();
});

// ---------- drawing ----------

function updateDrawn() {
  const src = map.getSource('drawn');
  if (src) src.setData(drawnGeoJson());
  const n = state.corners.length;
  $('draw-undo').disabled = n === 0;
  $('draw-clear').disabled = n === 0 && !state.drawing;
  $('draw-add').disabled = !state.drawing;
  $('draw-start').textContent = state.drawing ? 'Stop drawing' : 'Start drawing';
  $('draw-status').textContent = n === 0
    ? (state.drawing ? 'Drawing: no corner yet.' : 'No area drawn.')
    : `${n} corner${n === 1 ? '' : 's'}${n >= 3 ? ': the area is ready to submit.' : ': at least three are needed.'}`;
}

function addCorner(lngLat) {
  state.corners.push([Number(lngLat.lng.toFixed(7)), Number(lngLat.lat.toFixed(7))]);
  updateDrawn();
}

$('draw-start').addEventListener('click', () => {
  state.drawing = !state.drawing;
  map.getCanvas().style.cursor = state.drawing ? 'crosshair' : '';
  if (state.drawing) map.doubleClickZoom.disable(); else map.doubleClickZoom.enable();
  updateDrawn();
});
$('draw-add').addEventListener('click', () => addCorner(map.getCenter()));
$('draw-undo').addEventListener('click', () => { state.corners.pop(); updateDrawn(); });
$('draw-clear').addEventListener('click', () => { state.corners = []; updateDrawn(); });
map.on('click', (e) => { if (state.drawing) addCorner(e.lngLat); });
map.on('dragstart', () => { state.moved = true; });

// ---------- dig request ----------

function localInput(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
const start = new Date(Date.now() + 3600e3);
start.setMinutes(0, 0, 0);
$('from').value = localInput(start);
$('to').value = localInput(new Date(start.getTime() + 7 * 86400e3));

function cell(row, text) {
  const td = document.createElement('td');
  td.textContent = text;
  row.append(td);
}

function renderReport(r) {
  const box = $('report');
  box.replaceChildren();
  const p = document.createElement('p');
  p.id = 'report-summary';
  const n = (r.features || []).length;
  p.textContent = `Request ${r.id}: ${r.status}. ${r.owners.length} owner${r.owners.length === 1 ? '' : 's'} concerned, ${n} feature${n === 1 ? '' : 's'} delivered. Answers due by ${new Date(r.deadline).toLocaleString()}.`;
  box.append(p);
  if (r.owners.length) {
    const table = document.createElement('table');
    const caption = document.createElement('caption');
    caption.textContent = 'Answers per owner';
    const head = document.createElement('tr');
    for (const h of ['Owner', 'Answer', 'Features', 'Contact']) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = h;
      head.append(th);
    }
    table.append(caption, head);
    for (const o of r.owners) {
      const row = document.createElement('tr');
      cell(row, o.owner_id);
      cell(row, o.answer.replaceAll('_', ' '));
      cell(row, String(o.feature_count));
      cell(row, o.contact || '');
      table.append(row);
    }
    box.append(table);
  }
  const dangerous = (r.features || []).filter((f) => f.hazard === 'dangerous' || f.hazard === 'very_dangerous');
  if (dangerous.length) {
    const warn = document.createElement('p');
    warn.className = 'error';
    warn.textContent = `${dangerous.length} dangerous line${dangerous.length === 1 ? '' : 's'} in the area: contact the owner before digging.`;
    box.append(warn);
  }
}

$('dig').addEventListener('submit', async (e) => {
  e.preventDefault();
  const box = $('report');
  if (!state.token) {
    box.innerHTML = '<p class="error">Sign in with a contractor token to submit a dig request.</p>';
    return;
  }
  if (state.corners.length < 3) {
    box.innerHTML = '<p class="error">Draw an area of at least three corners first.</p>';
    return;
  }
  const c = state.corners;
  const body = {
    polygon: { type: 'Polygon', coordinates: [[...c, c[0]]] },
    crs: 'CRS84',
    buffer_m: Number($('buffer').value),
    period_from: new Date($('from').value).toISOString(),
    period_to: new Date($('to').value).toISOString(),
    purpose: $('purpose').value,
    contact: $('contact').value,
  };
  box.textContent = 'Submitting…';
  const res = await api('/api/v1/dig-requests', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status === 201) {
    state.lastReport = res.body;
    state.drawing = false;
    map.getCanvas().style.cursor = '';
    map.doubleClickZoom.enable();
    updateDrawn();
    renderReport(res.body);
    if (map.getSource('dig-requests')) map.setStyle(buildStyle());
  } else {
    const why = (res.body && (res.body.message || res.body.error)) || `HTTP ${res.status}`;
    box.innerHTML = '';
    const p = document.createElement('p');
    p.className = 'error';
    p.textContent = `The dig request was refused: ${why}`;
    box.append(p);
  }
});

// The drawn area survives a style change (sign-in reloads the style).
map.on('style.load', () => updateDrawn());

// The region's start view (Denmark's, the Netherlands', ...), unless the
// address names a view or the network's tiles already moved the map.
async function regionView() {
  const res = await api('/viewer/region.json');
  if (!res.ok || !res.body || !res.body.view) return;
  state.region = res.body;
  const { lon, lat, zoom } = res.body.view;
  if (!state.moved && !location.hash) map.jumpTo({ center: [lon, lat], zoom });
}

window.forsyning = { map, state };
updateDrawn();
regionView().catch(() => {}).then(showWho).then(loadLayers);
