// vasr review: go through the frames vasr asks about, fix each box, save the corrections, re-run.
// Served by `vasr review OUT`, or read-only from a static export (window.VASR_STATIC).
"use strict";

const PAGE = 50;          // frames to check per page of the list
const HANDLE = 8;         // screen pixels around a corner that grab it
const STATIC = window.VASR_STATIC || null;
const OUTSIDE = "outside"; // an edit: the target is out of view from this frame until the next box

const app = {
  sequences: [], seq: null, data: null, pos: 0, frame: 0, page: 0,
  edits: {},              // frame -> [x, y, w, h] | null (absent) | "outside" (absent until the next box)
  undo: [],               // [frame, previous edit or undefined]
  zoom: 1, fit: 1, image: null, drag: null, job: null,
  scrubbing: false, playing: null, // the timeline: a drag in progress; the play timer
};
window.app = app;

const $ = (id) => document.getElementById(id);

function status(text, error = false) {
  $("status").textContent = text;
  $("status").className = error ? "error" : "";
}

async function api(path, options = {}) {
  const response = await fetch(path, options);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

// --- sequences ----------------------------------------------------------------------------------------

async function loadSequences() {
  if (STATIC) {
    app.sequences = STATIC.sequences;
    $("out").textContent = STATIC.out + " (static export, read-only)";
    $("keys").innerHTML = "Read-only copy. Keys: <b>n</b>/<b>p</b> next/previous frame to check, <b>.</b>/<b>,</b> " +
      "next/previous frame, <b>+</b>/<b>-</b>/<b>0</b> zoom, <b>space</b> play/pause, <b>g</b> go to a frame; " +
      "drag on the timeline to scrub.";
  } else {
    const body = await api("api/sequences");
    app.sequences = body.sequences;
    $("out").textContent = body.out;
    showJob(body.job);
  }
  const rows = app.sequences.map((s) => {
    const tr = document.createElement("tr");
    tr.dataset.name = s.name;
    const cells = [s.name, s.frames, s.to_check, `${s.checked.length} of ${s.asked}`, (100 * s.labour_saved).toFixed(1) + "%",
                   s.mean_score == null ? "-" : s.mean_score.toFixed(2)];
    for (const c of cells) { const td = document.createElement("td"); td.textContent = c; tr.appendChild(td); }
    tr.onclick = () => openSequence(s.name);
    return tr;
  });
  $("sequences").querySelector("tbody").replaceChildren(...rows);
}

async function openSequence(name, keepPlace = false) {
  if (Object.keys(app.edits).length && app.seq !== name &&
      !confirm("Unsaved corrections in " + app.seq + " will be lost. Open " + name + "?")) return;
  const data = STATIC ? STATIC.data[name] : await api("api/sequence/" + encodeURIComponent(name));
  const samePlace = keepPlace && app.seq === name;
  if (app.seq !== name) { app.edits = {}; app.undo = []; }
  app.seq = name; app.data = data;
  for (const tr of $("sequences").querySelectorAll("tbody tr")) tr.classList.toggle("current", tr.dataset.name === name);
  if (!samePlace) { app.pos = 0; app.page = 0; }
  const frame = samePlace ? app.frame : (data.to_check.length ? data.to_check[0] : 0);
  drawList();
  await show(frame);
}

// --- the frame ----------------------------------------------------------------------------------------

function frameUrl(frame) {
  if (STATIC) return STATIC.frames[app.seq][frame] || null;
  return "api/frame/" + encodeURIComponent(app.seq) + "/" + frame + ".jpg";
}

async function show(frame) {
  const n = app.data.num_frames;
  app.frame = Math.max(0, Math.min(n - 1, frame));
  const at = app.data.to_check.indexOf(app.frame);
  if (at >= 0) { app.pos = at; app.page = Math.floor(at / PAGE); }
  const url = frameUrl(app.frame);
  app.image = null;
  if (url) {
    const image = new Image();
    await new Promise((resolve) => { image.onload = resolve; image.onerror = resolve; image.src = url; });
    if (image.naturalWidth) app.image = image;
  }
  const stage = $("stage");
  const [w, h] = app.data.image_size;
  app.fit = Math.min((stage.clientWidth || 800) / w, (stage.clientHeight || window.innerHeight * 0.6) / h);
  draw(); drawPlot(); drawList();
  $("progress").textContent = `${app.data.checked.length} of ${app.data.asked} checked`;
}

function currentBox() {
  if (app.frame in app.edits) return app.edits[app.frame] === OUTSIDE ? null : app.edits[app.frame];
  const key = String(app.frame);
  if (app.data.corrections && key in app.data.corrections) return app.data.corrections[key];
  return app.data.boxes[app.frame];
}

function scale() { return app.fit * app.zoom; }

function draw() {
  const canvas = $("frame"), ctx = canvas.getContext("2d");
  const [w, h] = app.data.image_size, s = scale();
  canvas.width = Math.round(w * s); canvas.height = Math.round(h * s);
  ctx.fillStyle = "#222"; ctx.fillRect(0, 0, canvas.width, canvas.height);
  if (app.image) ctx.drawImage(app.image, 0, 0, canvas.width, canvas.height);
  else { ctx.fillStyle = "#aaa"; ctx.fillText("frame not available here", 10, 20); }
  const box = currentBox();
  const edited = app.frame in app.edits || (app.data.corrections && String(app.frame) in app.data.corrections);
  const keyframe = app.data.keyframes.includes(app.frame);
  const flagged = app.data.failure_frames.includes(app.frame);
  const flagWhy = flagReason(app.data, app.frame);
  const colour = edited || keyframe ? "#3f3" : flagged ? "#f33" : "#39f";
  if (box) {
    ctx.strokeStyle = colour; ctx.lineWidth = 2;
    ctx.strokeRect(box[0] * s, box[1] * s, box[2] * s, box[3] * s);
    ctx.fillStyle = colour;
    for (const [cx, cy] of corners(box)) ctx.fillRect(cx * s - 3, cy * s - 3, 6, 6);
  }
  const q = app.data.quality[app.frame];
  const rank = app.data.suggestions.indexOf(app.frame);
  const why = rank >= 0 && app.data.suggestion_reasons[rank] ? ` (${app.data.suggestion_reasons[rank]})` : "";
  const unchecked = app.data.unchecked.includes(app.frame) ? " unchecked by a second track" : "";
  $("where").textContent = `${app.seq} frame ${app.frame}` + (app.data.frame_names[app.frame] ? ` (${app.data.frame_names[app.frame]})` : "") +
    (keyframe ? " keyframe" : "") + (rank >= 0 ? ` suggestion ${rank + 1}${why}` : "") + (flagged ? ` flagged${flagWhy ? ` (${flagWhy})` : ""}` : "") + unchecked +
    (q == null ? "" : ` score ${q.toFixed(2)}`) + (box ? "" : " (no box: absent)") + (edited ? " corrected" : "") +
    (app.edits[app.frame] === OUTSIDE || app.data.outside.includes(app.frame) ? " out of view until the next box" : "");
  const pending = Object.keys(app.edits).length;
  $("save").disabled = STATIC || !pending;
  $("rerun").disabled = STATIC || (app.job && app.job.state === "running");
  for (const id of ["accept", "absent", "outside", "undo"]) $(id).disabled = !!STATIC;
}

// Why a flagged frame is flagged ("" where not flagged, or a file from an earlier vasr says nothing).
function flagReason(d, frame) {
  const i = d.failure_frames.indexOf(frame);
  return i >= 0 && d.failure_reasons ? d.failure_reasons[i] || "" : "";
}

function corners(b) { return [[b[0], b[1]], [b[0] + b[2], b[1]], [b[0], b[1] + b[3]], [b[0] + b[2], b[1] + b[3]]]; }

function niceStep(span) {
  const raw = span / 10, power = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) || power * 10;
}

function drawPlot() {
  const canvas = $("plot"), ctx = canvas.getContext("2d"), d = app.data, n = d.num_frames, AXIS = 16;
  canvas.width = canvas.clientWidth || 900;
  const W = canvas.width, H = canvas.height - AXIS, x = (i) => (i + 0.5) * W / n, y = (q) => H / 2 - q * (H / 2 - 6);
  const band = (frames, colour) => { ctx.fillStyle = colour; for (const f of frames) ctx.fillRect(x(f) - W / n / 2, 0, Math.max(1, W / n), H); };
  ctx.fillStyle = "#111"; ctx.fillRect(0, 0, W, canvas.height);
  band(d.outside, "rgba(60,90,200,0.35)");  // out of view by the human's word
  band(d.unchecked, "rgba(160,160,160,0.25)");  // only one track reaches these frames
  ctx.strokeStyle = "#444"; ctx.beginPath(); ctx.moveTo(0, y(0)); ctx.lineTo(W, y(0)); ctx.stroke();
  ctx.fillStyle = "#aaa"; ctx.font = "10px system-ui"; ctx.textAlign = "center";  // the frame axis
  for (let f = 0, step = niceStep(n); f < n; f += step) { ctx.fillRect(x(f), H, 1, 4); ctx.fillText(String(f), x(f), H + 14); }
  ctx.fillStyle = "#3f3";
  for (const f of d.checked) ctx.fillRect(x(f) - 1, 0, 3, 6);  // answered by a human
  ctx.fillStyle = "#ff3";  // saved (or pending) corrections, not yet applied by a re-run
  for (const f of [...Object.keys(d.corrections || {}), ...Object.keys(app.edits)].map(Number)) {
    if (!d.keyframes.includes(f)) ctx.fillRect(x(f) - 2, 6, 4, 6);
  }
  band(d.failure_frames, "rgba(255,60,60,0.35)");
  ctx.fillStyle = "#3f3";
  for (const k of d.keyframes) ctx.fillRect(x(k) - 1, 0, 2, H);
  ctx.fillStyle = "#6af";
  d.quality.forEach((q, i) => { if (q != null) ctx.fillRect(x(i) - 1, y(q) - 1, 2, 2); });
  ctx.fillStyle = "#fc6";
  for (const f of d.suggestions) ctx.fillRect(x(f) - 2, H - 8, 4, 8);
  ctx.strokeStyle = "#fff"; ctx.beginPath(); ctx.moveTo(x(app.frame), 0); ctx.lineTo(x(app.frame), H); ctx.stroke();
}

function frameAt(event) {
  const rect = $("plot").getBoundingClientRect();
  return Math.floor((event.clientX - rect.left) / rect.width * app.data.num_frames);
}

function scrub(event) {
  if (!app.data || !(app.scrubbing || event.type === "mousedown")) return;
  app.scrubbing = true;
  const frame = Math.max(0, Math.min(app.data.num_frames - 1, frameAt(event)));
  if (frame !== app.frame) show(frame);
}

function play() {
  if (app.playing) { clearInterval(app.playing); app.playing = null; $("play").innerHTML = "&#9654;"; return; }
  $("play").innerHTML = "&#10074;&#10074;";
  let busy = false;
  app.playing = setInterval(async () => {
    if (busy) return;
    if (app.frame >= app.data.num_frames - 1) return play();
    busy = true; await show(app.frame + 1); busy = false;
  }, 80);
}

function jump() {
  const frame = parseInt($("goto").value, 10);
  $("goto").blur();
  if (Number.isNaN(frame) || frame < 0 || frame >= app.data.num_frames) return status(`no frame ${$("goto").value}`, true);
  $("goto").value = "";
  show(frame);
}

function zoomAt(event) {
  // the image point under the pointer stays under it
  event.preventDefault();
  const stage = $("stage"), before = scale(), rect = $("frame").getBoundingClientRect();
  const px = (event.clientX - rect.left) / before, py = (event.clientY - rect.top) / before;
  zoom(event.deltaY < 0 ? 1.1 : 1 / 1.1);
  const after = scale(), srect = stage.getBoundingClientRect();
  stage.scrollLeft = px * after - (event.clientX - srect.left);
  stage.scrollTop = py * after - (event.clientY - srect.top);
}

function drawList() {
  const d = app.data, pages = Math.max(1, Math.ceil(d.to_check.length / PAGE));
  const buttons = [];
  for (let p = 0; p < pages && pages > 1; p++) {
    const b = document.createElement("button");
    b.textContent = p + 1; b.disabled = p === app.page;
    b.onclick = () => { app.page = p; drawList(); };
    buttons.push(b);
  }
  $("pages").replaceChildren(...buttons);
  const items = d.to_check.slice(app.page * PAGE, (app.page + 1) * PAGE).map((f, i) => {
    const li = document.createElement("li");
    const rank = app.page * PAGE + i + 1;
    li.value = rank;
    const s = d.suggestions.indexOf(f);
    const reason = flagReason(d, f);
    const flagged = d.failure_frames.includes(f) ? "flagged" + (reason ? `: ${reason}` : "") : "";
    const why = [s >= 0 ? d.suggestion_reasons[s] : "", flagged].filter(Boolean).join("; ");
    li.textContent = `frame ${f}` + (why ? ` (${why})` : "");
    li.title = (d.flag_reason_help || {})[reason] || "";
    li.classList.toggle("current", f === app.frame);
    li.classList.toggle("fixed", f in app.edits || (d.corrections && String(f) in d.corrections));
    li.onclick = () => show(f);
    return li;
  });
  $("tocheck").replaceChildren(...items);
  if (!d.to_check.length) $("tocheck").replaceChildren(Object.assign(document.createElement("li"), { textContent: "nothing to check" }));
}

// --- editing ------------------------------------------------------------------------------------------

function edit(frame, box) {
  app.undo.push([frame, frame in app.edits ? app.edits[frame] : undefined]);
  app.edits[frame] = box;
  status(`${Object.keys(app.edits).length} unsaved correction(s)`);
  draw(); drawList();
}

function undo() {
  const last = app.undo.pop();
  if (!last) return status("nothing to undo");
  const [frame, previous] = last;
  if (previous === undefined) delete app.edits[frame]; else app.edits[frame] = previous;
  status("undone");
  if (frame !== app.frame) show(frame); else { draw(); drawList(); }
}

function toImage(event) {
  const rect = $("frame").getBoundingClientRect(), s = scale();
  return [(event.clientX - rect.left) / s, (event.clientY - rect.top) / s];
}

function grab(event) {
  if (STATIC) return;
  const [px, py] = toImage(event), box = currentBox(), tolerance = HANDLE / scale();
  if (box) {
    const hit = corners(box).findIndex(([cx, cy]) => Math.abs(px - cx) < tolerance && Math.abs(py - cy) < tolerance);
    if (hit >= 0) { app.drag = { mode: "corner", corner: hit, start: [px, py], box: box.slice() }; return; }
    const [x1, y1, x2, y2] = [box[0], box[1], box[0] + box[2], box[1] + box[3]];
    const within = (v, a, b) => v > a - tolerance && v < b + tolerance;
    const edge = Math.abs(px - x1) < tolerance && within(py, y1, y2) ? "left" : Math.abs(px - x2) < tolerance && within(py, y1, y2) ? "right"
      : Math.abs(py - y1) < tolerance && within(px, x1, x2) ? "top" : Math.abs(py - y2) < tolerance && within(px, x1, x2) ? "bottom" : null;
    if (edge) { app.drag = { mode: "edge", edge, start: [px, py], box: box.slice() }; return; }
    if (px > box[0] && px < box[0] + box[2] && py > box[1] && py < box[1] + box[3]) {
      app.drag = { mode: "move", start: [px, py], box: box.slice() }; return;
    }
  }
  app.drag = { mode: "draw", start: [px, py], box: [px, py, 0, 0] };
}

function dragged(event) {
  const drag = app.drag;
  if (!drag) return;
  const [px, py] = toImage(event), [sx, sy] = drag.start, b = drag.box;
  if (drag.mode === "move") drag.now = [b[0] + px - sx, b[1] + py - sy, b[2], b[3]];
  else if (drag.mode === "draw") drag.now = [Math.min(sx, px), Math.min(sy, py), Math.abs(px - sx), Math.abs(py - sy)];
  else if (drag.mode === "edge") {
    let [x1, y1, x2, y2] = [b[0], b[1], b[0] + b[2], b[1] + b[3]];
    if (drag.edge === "left") x1 = px; else if (drag.edge === "right") x2 = px; else if (drag.edge === "top") y1 = py; else y2 = py;
    drag.now = [Math.min(x1, x2), Math.min(y1, y2), Math.abs(x2 - x1), Math.abs(y2 - y1)];
  } else {
    let [x1, y1, x2, y2] = [b[0], b[1], b[0] + b[2], b[1] + b[3]];
    if (drag.corner % 2 === 0) x1 = px; else x2 = px;
    if (drag.corner < 2) y1 = py; else y2 = py;
    drag.now = [Math.min(x1, x2), Math.min(y1, y2), Math.abs(x2 - x1), Math.abs(y2 - y1)];
  }
  draw();
  const ctx = $("frame").getContext("2d"), s = scale(), n = drag.now;
  ctx.strokeStyle = "#ff0"; ctx.lineWidth = 2; ctx.strokeRect(n[0] * s, n[1] * s, n[2] * s, n[3] * s);
}

function dropped() {
  const drag = app.drag;
  app.drag = null;
  if (!drag || !drag.now) return draw();
  const box = drag.now.map((v) => Math.round(v * 100) / 100);
  if (box[2] < 2 || box[3] < 2) { status("box too small: not changed", true); return draw(); }
  edit(app.frame, box);
}

async function save() {
  const changes = Object.entries(app.edits).map(([frame, box]) =>
    box === OUTSIDE ? { frame: Number(frame), box: null, outside: true } : { frame: Number(frame), box });
  if (!changes.length) return status("nothing to save");
  try {
    const body = await api("api/corrections/" + encodeURIComponent(app.seq), {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ base: app.data.version, changes }),
    });
    app.edits = {}; app.undo = [];
    await openSequence(app.seq, true);
    status(`saved ${body.saved} correction(s); ${body.corrections} in all. Re-run to repair their neighbours.`);
  } catch (error) {
    status("not saved: " + error.message, true);
  }
}

// --- re-run -------------------------------------------------------------------------------------------

function showJob(job) {
  app.job = job;
  const text = { idle: "", running: "re-running: ", done: "re-run done ", failed: "re-run FAILED: " }[job.state] || "";
  $("job").textContent = text + (job.state === "idle" ? "" : job.progress || "");
  $("rerun").disabled = STATIC || job.state === "running";
}

async function rerun() {
  if (Object.keys(app.edits).length) await save();
  try { showJob(await api("api/rerun", { method: "POST" })); } catch (error) { return status(error.message, true); }
  while (app.job.state === "running") {
    await new Promise((r) => setTimeout(r, 700));
    showJob(await api("api/job"));
  }
  if (app.job.state === "done") {
    await loadSequences();
    await openSequence(app.seq, true);
    status("re-run done: boxes, scores and suggestions updated");
  } else status("re-run failed: " + app.job.log.slice(-3).join(" | "), true);
}

// --- wiring -------------------------------------------------------------------------------------------

function next(step) {
  const list = app.data.to_check;
  if (!list.length) return;
  const at = list.indexOf(app.frame);
  const pos = at >= 0 ? at + step : step > 0 ? list.findIndex((f) => f > app.frame) : list.length - 1 - [...list].reverse().findIndex((f) => f < app.frame);
  if (pos < 0 || pos >= list.length) return status(step > 0 ? "last frame to check" : "first frame to check");
  show(list[pos]);
}

function zoom(factor) { app.zoom = factor ? Math.max(0.25, Math.min(8, app.zoom * factor)) : 1; draw(); }

document.addEventListener("keydown", (event) => {
  if (!app.data || event.target.tagName === "INPUT") return;
  const keys = {
    n: () => next(1), ArrowRight: () => next(1), p: () => next(-1), ArrowLeft: () => next(-1),
    ".": () => show(app.frame + 1), ",": () => show(app.frame - 1),
    a: () => !STATIC && edit(app.frame, currentBox()), x: () => !STATIC && edit(app.frame, null),
    o: () => !STATIC && edit(app.frame, OUTSIDE),
    u: () => !STATIC && undo(), s: () => !STATIC && save(), r: () => !STATIC && rerun(),
    "+": () => zoom(1.25), "=": () => zoom(1.25), "-": () => zoom(0.8), "0": () => zoom(0),
    " ": play, g: () => $("goto").focus(),
  };
  const action = (event.ctrlKey && event.key === "z") ? undo : keys[event.key];
  if (action) { event.preventDefault(); action(); }
});

$("frame").addEventListener("mousedown", grab);
window.addEventListener("mousemove", dragged);
window.addEventListener("mouseup", dropped);
$("frame").addEventListener("wheel", zoomAt, { passive: false });
$("plot").addEventListener("mousedown", scrub);
window.addEventListener("mousemove", scrub);
window.addEventListener("mouseup", () => { app.scrubbing = false; });
$("goto").addEventListener("keydown", (e) => { if (e.key === "Enter") jump(); if (e.key === "Escape") $("goto").blur(); });
$("play").onclick = play;
window.addEventListener("resize", () => app.data && show(app.frame));
$("prev").onclick = () => next(-1); $("next").onclick = () => next(1);
$("accept").onclick = () => edit(app.frame, currentBox()); $("absent").onclick = () => edit(app.frame, null);
$("outside").onclick = () => edit(app.frame, OUTSIDE);
$("undo").onclick = undo; $("save").onclick = save; $("rerun").onclick = rerun;
$("zoomin").onclick = () => zoom(1.25); $("zoomout").onclick = () => zoom(0.8); $("fit").onclick = () => zoom(0);
window.addEventListener("beforeunload", (e) => { if (Object.keys(app.edits).length) e.preventDefault(); });

loadSequences().then(() => {
  const wanted = decodeURIComponent(location.hash.slice(1));
  const first = app.sequences.find((s) => s.name === wanted) || app.sequences.slice().sort((a, b) => b.to_check - a.to_check)[0];
  if (first) return openSequence(first.name);
}).catch((error) => status(error.message, true));
