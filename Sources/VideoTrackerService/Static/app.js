// The detection page: posts the form to the jobs API (with upload progress), follows the job by
// polling GET /jobs/{id}, then plays the annotated video and links the detections. Plain DOM,
// no framework: the service serves everything this page loads.
"use strict";

const pollMilliseconds = 500;
const $ = (id) => document.getElementById(id);

function show(element, visible) { element.hidden = !visible; }

async function getJSON(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const message = body && body.error ? body.error.message : response.status + " " + response.statusText;
    throw Object.assign(new Error(message), { status: response.status });
  }
  return body;
}

// The form's fields, without those left empty (they mean "the default").
function formData(form) {
  const data = new FormData();
  for (const [name, value] of new FormData(form)) {
    if (value instanceof File) {
      if (value.name !== "" || value.size > 0) data.append(name, value, value.name);
    } else if (value.trim() !== "") {
      data.append(name, value.trim());
    }
  }
  return data;
}

function submitJob(event) {
  event.preventDefault();
  const form = event.target;
  const request = new XMLHttpRequest();
  request.open("POST", "/jobs");
  request.setRequestHeader("Accept", "application/json");
  request.responseType = "json";
  show($("form-error"), false);
  show($("upload"), true);
  $("submit").disabled = true;
  request.upload.onprogress = (progress) => {
    if (!progress.lengthComputable) return;
    $("upload-progress").value = progress.loaded / progress.total;
    $("upload-text").textContent = Math.round(progress.loaded / 1048576) + " of " + Math.round(progress.total / 1048576) + " MiB";
  };
  request.onload = () => {
    $("submit").disabled = false;
    show($("upload"), false);
    const body = request.response;
    if (request.status === 202 && body && body.id) {
      history.pushState({ id: body.id }, "", "/jobs/" + body.id);
      followJob(body.id);
      refreshList();
    } else {
      const message = body && body.error ? body.error.message : "the service answered " + request.status;
      $("form-error").textContent = message;
      show($("form-error"), true);
    }
  };
  request.onerror = () => {
    $("submit").disabled = false;
    show($("upload"), false);
    $("form-error").textContent = "the upload did not reach the service";
    show($("form-error"), true);
  };
  request.send(formData(form));
}

let following = null;

function followJob(id) {
  following = id;
  show($("new-job"), false);
  show($("job"), true);
  show($("job-result"), false);
  show($("job-error"), false);
  show($("job-running"), true);
  $("job-id").textContent = id;
  document.title = "video-tracker: detection job " + id;
  poll(id);
}

async function poll(id) {
  if (following !== id) return;
  let job;
  try {
    job = await getJSON("/jobs/" + id);
  } catch (error) {
    $("job-status").textContent = error.status === 404 ? "not found" : "unreachable";
    $("job-error").textContent = error.message;
    show($("job-error"), true);
    if (error.status !== 404) setTimeout(() => poll(id), pollMilliseconds * 4);
    return;
  }
  render(job);
  if (job.status === "queued" || job.status === "running") setTimeout(() => poll(id), pollMilliseconds);
  else refreshList();
}

function describeOptions(options) {
  return [
    "score at least " + options.score,
    options.classes ? "classes " + options.classes.join(", ") : "all classes",
    options.every === 1 ? "every frame" : "one frame in " + options.every,
    options.input_size + " px",
    options.track ? "tracked (ids across frames)" : "not tracked",
  ].join(" · ");
}

function render(job) {
  $("job-status").textContent = job.status;
  $("job-status").className = "status " + job.status;
  $("job-video-name").textContent = job.video.name;
  $("job-options").textContent = describeOptions(job.options);
  const progress = job.progress;
  $("job-progress").value = progress.fraction;
  if (job.status === "queued") $("job-frames").textContent = "waiting in the queue";
  else if (job.status === "running" && progress.frames_done === 0) $("job-frames").textContent = "starting";
  else if (progress.frames_total) $("job-frames").textContent = progress.frames_done + " / " + progress.frames_total + " frames";
  else $("job-frames").textContent = progress.frames_done + " frames";
  if (job.status === "failed") {
    show($("job-running"), false);
    $("job-error").textContent = job.error ? job.error.message + " (" + job.error.code + ")" : "the job failed";
    show($("job-error"), true);
  }
  if (job.status === "done") {
    show($("job-running"), false);
    const video = $("job-video");
    if (job.links.video && video.getAttribute("src") !== job.links.video) video.src = job.links.video;
    show(video, Boolean(job.links.video));
    for (const format of ["json", "mot", "coco"]) $("link-" + format).href = job.links.detections[format];
    show($("job-result"), true);
  }
}

async function deleteJob() {
  if (!following) return;
  const id = following;
  const response = await fetch("/jobs/" + id, { method: "DELETE" });
  if (response.ok || response.status === 404) {
    following = null;
    history.pushState({}, "", "/");
    show($("job"), false);
    show($("new-job"), true);
    refreshList();
  }
}

async function refreshList() {
  let body;
  try {
    body = await getJSON("/jobs");
  } catch (error) {
    return;
  }
  const rows = body.jobs.map((job) => {
    const row = document.createElement("tr");
    const link = document.createElement("a");
    link.href = "/jobs/" + job.id;
    link.textContent = job.id;
    link.addEventListener("click", (event) => {
      event.preventDefault();
      history.pushState({ id: job.id }, "", "/jobs/" + job.id);
      followJob(job.id);
    });
    const cells = [link, job.video.name, job.status,
      job.progress.frames_total ? job.progress.frames_done + " / " + job.progress.frames_total : String(job.progress.frames_done),
      new Date(job.created_at).toLocaleString()];
    for (const content of cells) {
      const cell = document.createElement("td");
      if (typeof content === "string") cell.textContent = content; else cell.append(content);
      row.append(cell);
    }
    return row;
  });
  if (rows.length === 0) {
    const row = document.createElement("tr");
    row.innerHTML = "<td colspan=\"5\">none yet</td>";
    rows.push(row);
  }
  $("job-list").replaceChildren(...rows);
}

window.addEventListener("popstate", () => {
  const match = location.pathname.match(/^\/jobs\/([a-z0-9]+)$/);
  if (match) followJob(match[1]);
  else { following = null; show($("job"), false); show($("new-job"), true); }
});

// Tracking starts from a lower score (BYTE matches low-score boxes to their tracks) and a larger
// input (steadier boxes for far people), as video-tracker mot does: ticking it moves both to those
// defaults, unticking moves them back, unless they were changed by hand.
function trackToggled(event) {
  for (const field of ["input[name=score]", "select[name=input_size]"]) {
    const input = document.querySelector("#job-form " + field);
    const [from, to] = event.target.checked
      ? [input.dataset.detectDefault, input.dataset.trackDefault]
      : [input.dataset.trackDefault, input.dataset.detectDefault];
    if (Number(input.value) === Number(from)) input.value = to;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("job-form").addEventListener("submit", submitJob);
  document.querySelector("#job-form input[name=track]").addEventListener("change", trackToggled);
  $("delete-job").addEventListener("click", deleteJob);
  const id = document.body.dataset.jobId;
  if (id) followJob(id);
  refreshList();
});
