// The dashboard: pick a camera and a time window; see its live picture (a JPEG polled from
// GET /cameras/{id}/live.jpg), the heatmap and trajectories drawn over it, the longest stays,
// the crowd per hour, and, for a rectangle dragged on the picture, the zone's visits per hour.
// Plain DOM, canvas and hand-made SVG: the service serves everything this page loads.
"use strict";

const livePollMilliseconds = 500;
// A live camera's status and analytics grow while the page is open: asked for again this often.
const liveRefreshMilliseconds = 15000;
const heatmapCell = 24;
// Picture sizes a camera commonly has: an import-only camera's picture is the smallest that holds its data.
const commonSizes = [[640, 480], [768, 576], [1280, 720], [1920, 1080]];
const $ = (id) => document.getElementById(id);
const svgNS = "http://www.w3.org/2000/svg";

const state = {
  camera: null,        // the chosen camera as GET /cameras/{id} shows it
  size: [768, 576],    // the picture's size in pixels
  heatmap: null,       // GET /cameras/{id}/heatmap.json
  trajectories: null,  // GET /cameras/{id}/trajectories.json
  zone: null,          // [x1, y1, x2, y2] in picture pixels
  drag: null,          // the rectangle being drawn
  liveTimer: null,
  refreshTimer: null,
  liveURL: null,
  load: 0,             // counts camera loads, so a slow answer for an earlier choice is dropped
};

async function getJSON(url, options = {}) {
  const response = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store", ...options });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const message = body && body.error ? body.error.message : response.status + " " + response.statusText;
    throw Object.assign(new Error(message), { status: response.status });
  }
  return body;
}

function showError(error) {
  $("error").textContent = error ? String(error.message || error) : "";
  $("error").hidden = !error;
}

// from, to (the datetime-local inputs, read as UTC) and tz as query parameters.
function windowQuery(withTimeZone) {
  const query = new URLSearchParams();
  for (const name of ["from", "to"]) {
    const value = $(name).value;
    if (value) query.set(name, (value.length === 16 ? value + ":00" : value) + "Z");
  }
  const tz = $("tz").value.trim();
  if (withTimeZone && tz) query.set("tz", tz);
  return query;
}

function cameraURL(path, query) {
  const text = query && query.toString();
  return "/cameras/" + encodeURIComponent(state.camera.id) + path + (text ? "?" + text : "");
}

// ---- cameras ----

async function listCameras() {
  const answer = await getJSON("/cameras");
  const cameras = answer.cameras || answer;
  const list = $("camera-list");
  list.replaceChildren();
  if (cameras.length === 0) {
    list.innerHTML = '<li class="hint">No cameras yet: POST /cameras adds one.</li>';
    return;
  }
  for (const camera of cameras) {
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.id = camera.id;
    button.setAttribute("aria-pressed", "false");
    button.append(camera.name);
    const detail = document.createElement("small");
    detail.textContent = camera.url ? camera.status : "imported tracks";
    button.append(detail);
    button.addEventListener("click", () => chooseCamera(camera.id));
    const item = document.createElement("li");
    item.append(button);
    list.append(item);
  }
  const wanted = new URLSearchParams(location.search).get("camera");
  if (wanted && cameras.some((camera) => camera.id === wanted)) chooseCamera(wanted);
}

async function chooseCamera(id) {
  for (const button of document.querySelectorAll("#camera-list button")) {
    button.setAttribute("aria-pressed", String(button.dataset.id === id));
  }
  const url = new URL(location.href);
  url.searchParams.set("camera", id);
  history.replaceState(null, "", url);
  state.camera = await getJSON("/cameras/" + encodeURIComponent(id)).catch((error) => { showError(error); return null; });
  if (!state.camera) return;
  $("camera-title").textContent = state.camera.name;
  state.zone = null;
  state.size = [768, 576];
  showZone(null);
  startLive();
  await loadAnalytics();
}

// ---- the live picture ----

function showLiveStatus() {
  const camera = state.camera;
  $("camera-status").textContent = "Live: " + camera.status + (camera.status_reason ? " (" + camera.status_reason + ")" : "")
    + (camera.replica ? " on " + camera.replica : "");
}

function startLive() {
  clearTimeout(state.liveTimer);
  clearInterval(state.refreshTimer);
  const image = $("live");
  image.hidden = true;
  image.removeAttribute("src");
  image.removeAttribute("data-frame-time");
  if (!state.camera.url) {
    $("camera-status").textContent = "An import-only camera: its tracks are drawn on a plain picture sized to their extent.";
    return;
  }
  showLiveStatus();
  const camera = state.camera;
  const poll = async () => {
    if (state.camera !== camera) return;
    try {
      const response = await fetch(cameraURL("/live.jpg"), { cache: "no-store" });
      if (response.ok) {
        const frameTime = response.headers.get("X-Frame-Time") || "";
        const blob = await response.blob();
        if (state.camera !== camera) return;
        const previous = state.liveURL;
        state.liveURL = URL.createObjectURL(blob);
        image.onload = () => {
          if (previous) URL.revokeObjectURL(previous);
          const size = [image.naturalWidth, image.naturalHeight];
          if (size[0] !== state.size[0] || size[1] !== state.size[1]) { state.size = size; drawOverlay(); }
        };
        image.src = state.liveURL;
        image.dataset.frameTime = frameTime;
        image.hidden = false;
        $("picture-note").textContent = "Frame of " + frameTime;
      } else {
        const body = await response.json().catch(() => null);
        $("picture-note").textContent = body && body.error ? body.error.message : "no live frame";
      }
    } catch (error) {
      $("picture-note").textContent = String(error.message || error);
    }
    if (state.camera === camera) state.liveTimer = setTimeout(poll, livePollMilliseconds);
  };
  poll();
  state.refreshTimer = setInterval(async () => {
    if (state.camera !== camera) return;
    const fresh = await getJSON("/cameras/" + encodeURIComponent(camera.id)).catch(() => null);
    if (!fresh || state.camera !== camera) return;
    state.camera = Object.assign(camera, fresh);
    showLiveStatus();
    const detail = document.querySelector("#camera-list button[aria-pressed=true] small");
    if (detail) detail.textContent = fresh.status;
    loadAnalytics();
  }, liveRefreshMilliseconds);
}

// ---- analytics ----

async function loadAnalytics() {
  if (!state.camera) return;
  showError(null);
  const load = ++state.load;
  const plain = windowQuery(false), hourly = windowQuery(true);
  const heatmapQuery = new URLSearchParams(plain); heatmapQuery.set("cell", heatmapCell);
  const staysQuery = new URLSearchParams(plain); staysQuery.set("limit", 10);
  try {
    const [heatmap, trajectories, stays, crowd, zones] = await Promise.all([
      getJSON(cameraURL("/heatmap.json", heatmapQuery)),
      getJSON(cameraURL("/trajectories.json", plain)),
      getJSON(cameraURL("/stays/top", staysQuery)),
      getJSON(cameraURL("/crowd", hourly)),
      getJSON(cameraURL("/zones")),
    ]);
    if (load !== state.load) return;
    state.heatmap = heatmap;
    state.trajectories = trajectories;
    if (!state.camera.url) state.size = extentOf(trajectories);
    drawOverlay();
    showStays(stays.tracks);
    showCrowd(crowd.hours);
    showSavedZones(zones.zones);
    if (state.zone) await queryZone(state.zone);
  } catch (error) {
    showError(error);
  }
}

// The smallest common picture size holding every position, else the positions' extent. A
// position is a box's bottom centre, so a box cut by the picture's edge may put it a little
// past it: a size holds what lies within 2% beyond.
function extentOf(trajectories) {
  let width = 0, height = 0;
  for (const track of trajectories.tracks) {
    for (const point of track.points) { width = Math.max(width, point.x); height = Math.max(height, point.y); }
  }
  if (width === 0 || height === 0) return [768, 576];
  const fits = commonSizes.find(([w, h]) => w * 1.02 >= width && h * 1.02 >= height);
  return fits || [Math.ceil(width), Math.ceil(height)];
}

function colourOf(trackID) { return "hsl(" + ((trackID * 137.508) % 360).toFixed(1) + ", 85%, 55%)"; }

// Blue (few) through yellow to red (most).
function heatColour(t) {
  const hue = 240 * (1 - t);
  return "hsla(" + hue.toFixed(0) + ", 100%, 50%, " + (0.25 + 0.5 * t).toFixed(2) + ")";
}

function drawOverlay() {
  const canvas = $("overlay");
  const [width, height] = state.size;
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
  canvas.dataset.width = width;
  canvas.dataset.height = height;
  $("picture").style.setProperty("--ratio", (width / height).toFixed(4));
  const context = canvas.getContext("2d");
  context.clearRect(0, 0, width, height);
  const scale = Math.max(1, width / 640);  // lines readable once the picture is shrunk to the page
  if (state.heatmap && $("show-heatmap").checked) {
    const cells = state.heatmap.cells, side = state.heatmap.cell;
    const most = cells.reduce((max, cell) => Math.max(max, cell.count), 1);
    for (const cell of cells) {
      context.fillStyle = heatColour(Math.sqrt(cell.count / most));
      context.fillRect(cell.x, cell.y, side, side);
    }
  }
  if (state.trajectories && $("show-trajectories").checked) {
    context.lineWidth = 1.5 * scale;
    context.lineJoin = "round";
    for (const track of state.trajectories.tracks) {
      if (track.points.length < 2) continue;
      context.strokeStyle = colourOf(track.track_id);
      context.beginPath();
      track.points.forEach((point, index) => (index ? context.lineTo(point.x, point.y) : context.moveTo(point.x, point.y)));
      context.stroke();
    }
  }
  const rectangle = state.drag || state.zone;
  if (rectangle) {
    const [x1, y1, x2, y2] = rectangle;
    context.fillStyle = "rgba(255, 255, 255, 0.18)";
    context.fillRect(x1, y1, x2 - x1, y2 - y1);
    context.strokeStyle = "#fff";
    context.lineWidth = 2 * scale;
    context.setLineDash([8 * scale, 5 * scale]);
    context.strokeRect(x1, y1, x2 - x1, y2 - y1);
    context.setLineDash([]);
  }
}

function cell(text, className) {
  const element = document.createElement("td");
  element.textContent = text;
  if (className) element.className = className;
  return element;
}

function showStays(tracks) {
  const body = $("stays-table").tBodies[0];
  body.replaceChildren(...tracks.map((track) => {
    const row = document.createElement("tr");
    const swatch = document.createElement("td");
    swatch.innerHTML = '<span style="color:' + colourOf(track.track_id) + '">■</span> ' + track.track_id;
    row.append(swatch, cell(String(track.seconds), "number"), cell(track.first, "hour"), cell(track.last, "hour"));
    return row;
  }));
  if (tracks.length === 0) body.innerHTML = '<tr><td colspan="4" class="hint">No tracks in this window.</td></tr>';
}

// "2026-11-21T08:00:00Z" or "...+05:30" -> "11-21 08:00".
function hourLabel(hour) { return hour.slice(5, 10) + " " + hour.slice(11, 16); }

// A bar chart drawn as SVG: one <rect class="bar"> a value, hour labels under them.
function barChart(svg, labels, values, { className = "", titles = [], format = String } = {}) {
  svg.replaceChildren();
  const width = Math.max(svg.clientWidth, 200), height = Math.max(svg.clientHeight, 100);
  svg.setAttribute("viewBox", "0 0 " + width + " " + height);
  const add = (name, attributes, text) => {
    const element = document.createElementNS(svgNS, name);
    for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
    if (text !== undefined) element.textContent = text;
    svg.append(element);
    return element;
  };
  const left = 4, right = 4, top = 14, bottom = 18;
  const plotHeight = height - top - bottom;
  add("line", { x1: left, y1: top + plotHeight + 0.5, x2: width - right, y2: top + plotHeight + 0.5 });
  if (values.length === 0) {
    add("text", { x: width / 2, y: top + plotHeight / 2, "text-anchor": "middle" }, "no data");
    return;
  }
  const most = Math.max(...values, 1e-9);
  const slot = (width - left - right) / values.length;
  const labelEvery = Math.ceil(values.length / Math.max(1, Math.floor((width - left - right) / 60)));
  values.forEach((value, index) => {
    const barHeight = Math.max(value > 0 ? 1 : 0, (value / most) * (plotHeight - 2));
    const x = left + index * slot + slot * 0.15;
    const bar = add("rect", { class: ("bar " + className).trim(), x: x.toFixed(1), y: (top + plotHeight - barHeight).toFixed(1),
                              width: (slot * 0.7).toFixed(1), height: barHeight.toFixed(1), "data-value": value,
                              "data-hour": labels[index] });
    const title = document.createElementNS(svgNS, "title");
    title.textContent = hourLabel(labels[index]) + ": " + (titles[index] || format(value));
    bar.append(title);
    add("text", { x: (x + slot * 0.35).toFixed(1), y: (top + plotHeight - barHeight - 3).toFixed(1), "text-anchor": "middle" },
        format(value));
    if (index % labelEvery === 0) {
      add("text", { x: (x + slot * 0.35).toFixed(1), y: height - 5, "text-anchor": "middle" }, hourLabel(labels[index]).slice(6));
    }
  });
}

function showCrowd(hours) {
  state.crowd = hours;
  barChart($("crowd-chart"), hours.map((hour) => hour.hour), hours.map((hour) => hour.max_count), {
    titles: hours.map((hour) => "at most " + hour.max_count + ", on average " + hour.mean_count.toFixed(2)),
  });
}

// ---- zones ----

function showZone(answer) {
  state.zoneAnswer = answer;
  const hours = answer ? answer.hours : [];
  const table = $("zone-table");
  table.tBodies[0].replaceChildren(...hours.map((hour) => {
    const row = document.createElement("tr");
    row.append(cell(hour.hour, "hour"), cell(String(hour.passed), "number"), cell(String(hour.max_stay_seconds), "number"));
    return row;
  }));
  const labels = hours.map((hour) => hour.hour);
  barChart($("zone-passed-chart"), labels, hours.map((hour) => hour.passed));
  barChart($("zone-stay-chart"), labels, hours.map((hour) => hour.max_stay_seconds),
           { className: "stay", format: (value) => String(Math.round(value)) });
  const zone = state.zone;
  const result = $("zone");
  for (const [index, name] of ["x1", "y1", "x2", "y2"].entries()) {
    if (zone) result.dataset[name] = zone[index]; else delete result.dataset[name];
  }
  $("zone-rect").textContent = zone ? "x " + zone[0] + "–" + zone[2] + ", y " + zone[1] + "–" + zone[3] : "";
  $("zone-hint").hidden = Boolean(zone);
  result.classList.toggle("empty", !zone);
  $("zone-save").hidden = !zone;
  if (answer && hours.length === 0) {
    table.tBodies[0].innerHTML = '<tr><td colspan="3" class="hint">Nobody entered this zone in the window.</td></tr>';
  }
}

async function queryZone(zone, name) {
  const query = windowQuery(true);
  if (name) {
    query.set("zone", name);
  } else {
    ["x1", "y1", "x2", "y2"].forEach((key, index) => query.set(key, zone[index]));
  }
  try {
    const answer = await getJSON(cameraURL("/zone", query));
    if (!name && zone !== state.zone) return;  // a newer rectangle was drawn meanwhile
    showZone(answer);
  } catch (error) {
    showError(error);
  }
}

function showSavedZones(zones) {
  const holder = $("saved-zones");
  holder.replaceChildren();
  if (!zones || zones.length === 0) { holder.textContent = "none"; return; }
  for (const zone of zones) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = zone.name;
    button.addEventListener("click", () => {
      const xs = zone.points.map((point) => point[0]), ys = zone.points.map((point) => point[1]);
      state.zone = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
      drawOverlay();
      queryZone(state.zone, zone.name);
    });
    holder.append(button, " ");
  }
}

async function saveZone(event) {
  event.preventDefault();
  if (!state.zone) return;
  const [x1, y1, x2, y2] = state.zone;
  try {
    await getJSON(cameraURL("/zones"), {
      method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ name: $("zone-name").value.trim(), points: [[x1, y1], [x2, y1], [x2, y2], [x1, y2]] }),
    });
    showSavedZones((await getJSON(cameraURL("/zones"))).zones);
  } catch (error) {
    showError(error);
  }
}

// A pointer's position in picture pixels (the canvas is shown scaled to the page).
function picturePoint(event) {
  const canvas = $("overlay");
  const box = canvas.getBoundingClientRect();
  const x = ((event.clientX - box.left) / box.width) * canvas.width;
  const y = ((event.clientY - box.top) / box.height) * canvas.height;
  return [Math.round(Math.min(Math.max(x, 0), canvas.width)), Math.round(Math.min(Math.max(y, 0), canvas.height))];
}

function rectangle(a, b) { return [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1])]; }

function watchDrawing() {
  const canvas = $("overlay");
  let start = null;
  canvas.addEventListener("pointerdown", (event) => {
    if (!state.camera || event.button !== 0) return;
    start = picturePoint(event);
    canvas.setPointerCapture(event.pointerId);
    event.preventDefault();
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!start) return;
    state.drag = rectangle(start, picturePoint(event));
    drawOverlay();
  });
  const finish = (event) => {
    if (!start) return;
    const zone = rectangle(start, picturePoint(event));
    start = null;
    state.drag = null;
    // A click (no drag) is not a zone.
    if (zone[2] - zone[0] >= 2 && zone[3] - zone[1] >= 2) {
      state.zone = zone;
      queryZone(zone);
    }
    drawOverlay();
  };
  canvas.addEventListener("pointerup", finish);
  canvas.addEventListener("pointercancel", () => { start = null; state.drag = null; drawOverlay(); });
}

document.addEventListener("DOMContentLoaded", () => {
  watchDrawing();
  drawOverlay();
  $("window-form").addEventListener("submit", (event) => { event.preventDefault(); loadAnalytics(); });
  $("zone-save").addEventListener("submit", saveZone);
  $("show-heatmap").addEventListener("change", drawOverlay);
  $("show-trajectories").addEventListener("change", drawOverlay);
  let resizeTimer = null;
  addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => { if (state.crowd) showCrowd(state.crowd); if (state.zoneAnswer) showZone(state.zoneAnswer); }, 200);
  });
  listCameras().catch(showError);
});
