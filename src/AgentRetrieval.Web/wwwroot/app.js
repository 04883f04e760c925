// AgentRetrieval chat page. Every text from the server (answers, captions, file names) is set with textContent,
// never parsed as HTML.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { sessionId: sessionStorage.getItem("agentretrieval.session"), busy: false };

async function api(path, options = {}) {
  const response = await fetch(path, options);
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try { message = (await response.json()).error || message; } catch { /* not JSON */ }
    const error = new Error(message);
    error.status = response.status;
    throw error;
  }
  return response;
}

async function ensureSession(force = false) {
  if (state.sessionId && !force) return state.sessionId;
  const r = await api("/api/sessions", { method: "POST" });
  state.sessionId = (await r.json()).sessionId;
  sessionStorage.setItem("agentretrieval.session", state.sessionId);
  return state.sessionId;
}

function showError(message) {
  const e = $("error");
  e.textContent = message;
  e.hidden = !message;
}

function addMessage(role, text) {
  const div = document.createElement("div");
  div.className = `msg ${role}`;
  div.textContent = text;
  $("conversation").append(div);
  div.scrollIntoView({ block: "nearest" });
  return div;
}

function setStatus(text) { $("status-line").textContent = text; }

// "How I searched": the plan, each stage with what it did and how long it took, and the matches in all.
function fillHowSearched(details, r) {
  details.replaceChildren();
  const summary = document.createElement("summary");
  summary.textContent = r.degraded ? "How I searched (some stages fell back)" : "How I searched";
  details.append(summary);
  const plan = document.createElement("p");
  plan.textContent = `Plan: ${r.plan}${r.totalMatches != null ? ` · ${r.totalMatches} matching photos` : ""}`;
  details.append(plan);
  const list = document.createElement("ol");
  for (const st of r.stages) {
    const li = document.createElement("li");
    li.textContent = `${st.stage}${st.ran ? "" : " (skipped)"}${st.degraded ? " — fell back" : ""}: ${st.detail} (${Math.round(st.ms)} ms)`;
    if (st.degraded) li.className = "degraded";
    list.append(li);
  }
  details.append(list);
}

// Reads a server-sent-events response of a POST (EventSource only does GET).
async function* events(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = "message", data = "";
      for (const line of frame.split("\n")) {
        if (line.startsWith("event: ")) name = line.slice(7);
        else if (line.startsWith("data: ")) data += line.slice(6);
      }
      yield { name, data: data ? JSON.parse(data) : null };
    }
  }
}

async function turn(message) {
  if (state.busy) return;
  state.busy = true;
  $("send").disabled = true;
  showError("");
  if (message) addMessage("user", message);
  $("start").hidden = true;
  const answer = addMessage("assistant", "");
  answer.dataset.streaming = "true";
  const howSearched = document.createElement("details");
  howSearched.className = "how";
  try {
    await ensureSession();
    let response;
    try {
      response = await api(`/api/sessions/${state.sessionId}/turns`, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ message }),
      });
    } catch (e) {
      if (e.status !== 404) throw e;
      await ensureSession(true); // the session expired: start a new one and go on
      response = await api(`/api/sessions/${state.sessionId}/turns`, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ message }),
      });
    }
    const firstTokenAt = { t: 0 };
    const started = performance.now();
    for await (const ev of events(response)) {
      if (ev.name === "delta") {
        if (!firstTokenAt.t) firstTokenAt.t = performance.now() - started;
        answer.textContent += ev.data.text;
      } else if (ev.name === "candidates") {
        // Retrieval's order while the model reranks: the grid appears at once and is replaced by the final one.
        renderResults({ results: ev.data.results, pick: null, reason: "" });
        $("results").dataset.provisional = "true";
        if (!firstTokenAt.candidates) firstTokenAt.candidates = performance.now() - started;
      } else if (ev.name === "stage") {
        setStatus(`${ev.data.stage}: ${ev.data.detail}`);
      } else if (ev.name === "result") {
        const r = ev.data;
        answer.classList.toggle("degraded", r.degraded);
        // The answer says what was found; how it was found is one click away.
        answer.textContent = r.answer;
        fillHowSearched(howSearched, r);
        answer.append(howSearched);
        // The header goes back to the library at a glance; how the search was done stays with the answer.
        loadStatus();
        renderChips(r.chips || [], r.imageQuery);
        renderResults(r);
        delete $("results").dataset.provisional;
        document.body.dataset.firstGridMs = String(Math.round(firstTokenAt.candidates || 0));
        document.body.dataset.firstTokenMs = String(Math.round(firstTokenAt.t));
        document.body.dataset.gridMs = String(Math.round(performance.now() - started));
      } else if (ev.name === "error") {
        showError(ev.data.message);
        answer.remove();
      }
    }
  } catch (e) {
    showError(`That did not work: ${e.message}. You can try again.`);
    answer.remove();
  } finally {
    delete answer.dataset.streaming;
    state.busy = false;
    $("send").disabled = false;
    $("message").focus();
  }
}

function renderChips(chips, imageQuery) {
  let bar = $("chips");
  if (!bar) {
    bar = document.createElement("div");
    bar.id = "chips";
    bar.setAttribute("role", "group");
    bar.setAttribute("aria-label", "Active search plan");
    $("results").before(bar);
  }
  bar.replaceChildren();
  for (const chip of chips) {
    const el = document.createElement("span");
    el.className = "chip";
    el.dataset.kind = chip.kind;
    el.textContent = chip.label;
    // Edit: the chip's own words go into the message box, to change and send; a later filter replaces an earlier one.
    const edit = document.createElement("button");
    edit.type = "button";
    edit.className = "chip-edit";
    edit.textContent = "✎";
    edit.setAttribute("aria-label", `Edit ${chip.label}`);
    edit.addEventListener("click", () => {
      const box = $("message");
      box.value = chip.edit || chip.label;
      box.focus();
      const space = box.value.lastIndexOf(" ");
      box.setSelectionRange(space >= 0 && chip.kind !== "text" ? space + 1 : 0, box.value.length);
    });
    el.append(edit);
    if (chip.kind !== "negative") {
      const remove = document.createElement("button");
      remove.type = "button";
      remove.textContent = "×";
      remove.setAttribute("aria-label", `Remove the filter ${chip.label}`);
      remove.addEventListener("click", async () => {
        try {
          await api(`/api/sessions/${state.sessionId}/filters/drop`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ kind: chip.kind }) });
          await turn("");
        } catch (e) { showError(`Could not remove the filter: ${e.message}`); }
      });
      el.append(remove);
    }
    bar.append(el);
  }
  if (imageQuery) {
    // An uploaded image keeps steering the search until it is removed: show it, and let it be removed.
    const el = document.createElement("span");
    el.className = "chip";
    el.dataset.kind = "image";
    el.textContent = "image query";
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = "×";
    remove.setAttribute("aria-label", "Remove the image query");
    remove.addEventListener("click", async () => {
      try {
        await api(`/api/sessions/${state.sessionId}/image`, { method: "DELETE" });
        await turn("");
      } catch (e) { showError(`Could not remove the image query: ${e.message}`); }
    });
    el.append(remove);
    bar.append(el);
  }
}

function renderResults(r) {
  state.results = [...r.results];
  state.lastTurn = r;
  layoutResults();
  renderShowMore(r.more || 0);
}

// Relevance (the ranking) or date (newest first, under a heading per month; undated ones last). The viewer's
// previous/next follows the order shown.
function layoutResults() {
  const grid = $("results");
  grid.replaceChildren();
  renderSortSwitch();
  const r = state.lastTurn;
  if (state.sort !== "date") {
    for (const item of state.results) grid.append(makeCard(item, r));
    return;
  }
  state.results.sort((a, b) => (b.taken || "").localeCompare(a.taken || ""));
  let month = null;
  for (const item of state.results) {
    const label = item.taken ? new Date(`${item.taken.slice(0, 7)}-01T00:00:00`).toLocaleDateString(undefined, { year: "numeric", month: "long" }) : "No date";
    if (label !== month) {
      month = label;
      const h = document.createElement("h3");
      h.className = "month";
      h.textContent = label;
      grid.append(h);
    }
    grid.append(makeCard(item, r));
  }
}

function renderSortSwitch() {
  let bar = $("sort");
  if (!bar) {
    bar = document.createElement("div");
    bar.id = "sort";
    bar.setAttribute("role", "group");
    bar.setAttribute("aria-label", "Sort the results");
    const label = document.createElement("span");
    label.textContent = "Sort:";
    bar.append(label);
    for (const [value, text] of [["relevance", "Relevance"], ["date", "Date"]]) {
      const b = document.createElement("button");
      b.type = "button";
      b.dataset.sort = value;
      b.textContent = text;
      b.addEventListener("click", () => {
        if ((state.sort || "relevance") === value) return;
        state.sort = value;
        if (value === "relevance") state.results.sort((a, c) => a.rank - c.rank);
        layoutResults();
      });
      bar.append(b);
    }
    $("results").before(bar);
  }
  bar.hidden = !state.results || state.results.length === 0;
  for (const b of bar.querySelectorAll("button")) b.setAttribute("aria-pressed", String((state.sort || "relevance") === b.dataset.sort));
}

function makeCard(item, r) {
  const card = $("card-template").content.firstElementChild.cloneNode(true);
  card.dataset.id = String(item.id);
  const img = card.querySelector("img");
  img.src = `/api/images/${item.id}/thumbnail`;
  img.alt = item.caption || item.name;
  card.querySelector(".rank").textContent = `#${item.rank}`;
  card.querySelector(".score").textContent = `score ${item.score.toFixed(3)}${item.llm != null ? ` · LLM ${item.llm.toFixed(2)}` : ""}`;
  // The same shot in other formats (HEIC beside JPEG, RAW beside JPEG) is one card naming every file.
  const name = card.querySelector(".name");
  name.textContent = item.also && item.also.length ? `${item.name} (+ ${item.also.join(", ")})` : item.name;
  name.title = name.textContent;
  card.querySelector(".facts").textContent = [item.taken ? item.taken.slice(0, 10) : null, item.place, item.camera].filter(Boolean).join(" · ");
  card.querySelector(".caption").textContent = item.caption || (item.description ? item.description.split("\n")[0] : "");
  if (r && r.pick === item.id) {
    card.classList.add("pick");
    card.querySelector(".reason").textContent = `Pick: ${r.reason}`;
  }
  card.querySelector(".thumb").addEventListener("click", () => openViewer(item));
  card.querySelector(".thumb").setAttribute("aria-label", `Enlarge ${item.name}`);
  for (const kind of ["like", "dislike", "more"]) {
    card.querySelector(`.${kind}`).addEventListener("click", (ev) => feedback(item.id, kind, ev.currentTarget));
  }
  return card;
}

// "Show more": the next page of the turn's ranked candidates, appended to the grid (and to the viewer's list).
function renderShowMore(remaining) {
  let button = $("show-more");
  if (!button) {
    button = document.createElement("button");
    button.id = "show-more";
    button.type = "button";
    button.addEventListener("click", showMore);
    $("results").after(button);
  }
  button.hidden = remaining <= 0;
  button.textContent = `Show more (${remaining} more)`;
}

async function showMore() {
  try {
    const page = await (await api(`/api/sessions/${state.sessionId}/results?offset=${state.results.length}&count=20`)).json();
    const grid = $("results");
    for (const item of page.results) {
      state.results.push(item);
      if (state.sort !== "date") grid.append(makeCard(item, null));
    }
    // Sorted by date, the new ones join their months.
    if (state.sort === "date") layoutResults();
    renderShowMore(page.total - state.results.length);
  } catch (e) {
    showError(`Could not load more results: ${e.message}`);
  }
}

// A turn the user made by acting (feedback, an image query): shown in the conversation with an Undo that takes it back
// on the server and searches again.
function addUndoableTurn(said, takeBack) {
  const msg = addMessage("user feedback", said);
  const undo = document.createElement("button");
  undo.type = "button";
  undo.className = "undo";
  undo.textContent = "Undo";
  undo.setAttribute("aria-label", `Undo: ${said}`);
  undo.addEventListener("click", async () => {
    try {
      await takeBack();
      msg.classList.add("undone");
      msg.firstChild.textContent = `${said} (undone)`;
      undo.remove();
      await turn("");
    } catch (e) {
      showError(`Could not undo: ${e.message}`);
    }
  });
  msg.append(" ", undo);
  return msg;
}

// Feedback is a turn of its own in the conversation ("Liked cat.jpg"), with an Undo that takes it back and searches again.
async function feedback(id, kind, button) {
  const item = (state.results || []).find((x) => x.id === id);
  const name = item ? item.name : `image ${id}`;
  try {
    await api(`/api/sessions/${state.sessionId}/feedback`, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ id, kind }),
    });
    button.setAttribute("aria-pressed", "true");
    const said = { like: `Liked ${name}`, dislike: `Not this: ${name}`, more: `More like ${name}` }[kind];
    addUndoableTurn(said, () => api(`/api/sessions/${state.sessionId}/feedback`, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ id, kind: "undo" }),
    }));
    await turn("");
  } catch (e) {
    showError(`Feedback failed: ${e.message}`);
  }
}

async function uploadImage(file) {
  if (!file) return;
  try {
    await ensureSession();
    const form = new FormData();
    form.append("image", file);
    await api(`/api/sessions/${state.sessionId}/image`, { method: "POST", body: form });
    // The image query is a turn of its own, with an Undo like feedback's (the chip's × does the same).
    addUndoableTurn(`Search with the image ${file.name}`, () => api(`/api/sessions/${state.sessionId}/image`, { method: "DELETE" }));
    await turn($("message").value.trim());
    $("message").value = "";
  } catch (e) {
    showError(e.message);
  }
}

// The viewer: the large image and its facts; previous and next with the arrow keys, the buttons or a swipe.
function openViewer(item) {
  state.viewing = Math.max(0, (state.results || []).findIndex((x) => x.id === item.id));
  $("viewer-image").src = `/api/images/${item.id}`;
  $("viewer-image").alt = item.caption || item.name;
  $("viewer-caption").textContent = `${item.name}${item.also && item.also.length ? ` (+ ${item.also.join(", ")})` : ""}${item.caption ? " — " + item.caption : ""}`;
  $("viewer-facts").textContent = [item.taken ? item.taken.replace("T", " ") : null, item.place, item.camera, item.width && item.height ? `${item.width} × ${item.height} px` : null, item.text ? `text: “${item.text}”` : null, item.description ? `description (by the model, may be wrong): ${item.description.split("\n")[0]}` : null].filter(Boolean).join(" · ");
  $("viewer-position").textContent = state.results && state.results.length ? `${state.viewing + 1} of ${state.results.length}` : "";
  // Actions on the photo: feedback needs a photo of this conversation's results, the path needs the server to know it.
  state.viewItem = item;
  $("viewer-path").textContent = item.path || "";
  $("viewer-copied").textContent = "";
  const inResults = Boolean(item.path);
  $("viewer-more").hidden = !inResults;
  $("viewer-not").hidden = !inResults;
  $("viewer-copy").hidden = !item.path;
  if (!$("viewer").open) $("viewer").showModal();
}

function stepViewer(delta) {
  const list = state.results || [];
  if (!list.length || !$("viewer").open) return;
  const next = (state.viewing + delta + list.length) % list.length;
  openViewer(list[next]);
}

// The start page: the library at a glance, requests that fit it, the newest photos. Shown until the first turn.
async function loadLibrary() {
  try {
    const l = await (await api("/api/library")).json();
    const folders = l.folders.length;
    const span = l.from && l.to ? (l.from.slice(0, 4) === l.to.slice(0, 4) ? ` from ${l.from.slice(0, 4)}` : ` from ${l.from.slice(0, 4)} to ${l.to.slice(0, 4)}`) : "";
    $("library-summary").textContent = l.photos === 0
      ? "No photos are indexed yet. Index a folder to start."
      : `${l.photos} photo${l.photos === 1 ? "" : "s"}${span}, in ${folders} folder${folders === 1 ? "" : "s"}${l.places.length ? `; places: ${l.places.slice(0, 4).join(", ")}` : ""}${l.cameras.length ? `; cameras: ${l.cameras.slice(0, 3).join(", ")}` : ""}. Model: ${l.model}.${l.llm && l.llm !== "none" ? ` ${l.described} of ${l.photos} described by the LLM.` : ""}`;
    $("model-notice").textContent = l.modelNotice || "";
    $("model-notice").hidden = !l.modelNotice;
    const examples = $("examples");
    examples.replaceChildren();
    if (l.photos > 0) {
      const label = document.createElement("span");
      label.className = "examples-label";
      label.textContent = "Try:";
      examples.append(label);
      for (const text of l.examples) {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "example";
        b.textContent = text;
        b.addEventListener("click", () => turn(text));
        examples.append(b);
      }
    }
    const recent = $("recent");
    recent.replaceChildren();
    $("recent-title").hidden = l.recent.length === 0;
    const items = l.recent.map((r) => ({ id: r.id, name: r.name, taken: r.date }));
    for (const item of items) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "recent-photo";
      b.setAttribute("aria-label", `${item.name}${item.taken ? `, ${item.taken}` : ""}`);
      const img = document.createElement("img");
      img.src = `/api/images/${item.id}/thumbnail`;
      img.alt = "";
      img.loading = "lazy";
      b.append(img);
      b.addEventListener("click", () => { state.results = items; openViewer(item); });
      recent.append(b);
    }
    $("start").hidden = $("conversation").childElementCount > 0;
  } catch (e) {
    showError(`The library cannot be read: ${e.message}`);
  }
}

async function loadStatus() {
  try {
    const s = await (await api("/api/status")).json();
    setStatus(`${s.images} images · model ${s.model} · LLM: ${s.llm}${s.activity ? ` · ${s.activity}` : s.watching.length ? " · watching for new photos" : ""}`);
    // While folders are watched, the count and the "indexing N new photos" note follow the library.
    clearTimeout(state.statusTimer);
    if (s.watching.length) state.statusTimer = setTimeout(loadStatus, s.activity ? 1000 : 4000);
    if (s.indexableFolders.length) {
      $("indexing").hidden = false;
      const select = $("folder");
      select.replaceChildren(...s.indexableFolders.map((f) => { const o = document.createElement("option"); o.value = f; o.textContent = f; return o; }));
    }
  } catch (e) {
    showError(`The server cannot be reached: ${e.message}`);
  }
}

const passLabels = { vectors: "Vectors (search)", text: "Text in the pictures", descriptions: "Descriptions (LLM)" };

// "120 of 300 · 4.1 photos/s · about 44 s left": one line per pass, from the server's own rate and time left.
function passText(p) {
  if (!p.started) return "waiting";
  if (p.finished) return p.total ? `done: ${p.done} of ${p.total} files` : "nothing to do";
  const rate = p.rate ? ` · ${p.rate < 1 ? `${(p.rate * 3600).toFixed(0)} photos/h` : `${p.rate.toFixed(1)} photos/s`}` : "";
  const left = p.secondsLeft != null ? ` · about ${p.secondsLeft < 90 ? `${p.secondsLeft} s` : p.secondsLeft < 5400 ? `${Math.round(p.secondsLeft / 60)} min` : `${Math.round(p.secondsLeft / 3600)} h`} left` : "";
  return `${p.done} of ${p.total || "?"} files${rate}${left}`;
}

// The indexing panel: a labelled bar per pass (vectors, text, descriptions); the names of skipped files with reasons.
function renderPasses(p) {
  const box = $("index-passes");
  box.replaceChildren(...(p.passes || []).map((pass) => {
    const row = document.createElement("div");
    row.className = "pass";
    const id = `pass-${pass.name}`;
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = passLabels[pass.name] || pass.name;
    const bar = document.createElement("progress");
    bar.id = id;
    bar.max = Math.max(1, pass.total || 1);
    bar.value = pass.finished && !pass.total ? bar.max : Math.min(pass.done || 0, bar.max);
    const text = document.createElement("span");
    text.className = "pass-text";
    text.textContent = pass.name === "descriptions" && p.described != null && pass.finished ? `${p.described} described` : passText(pass);
    row.append(label, bar, text);
    return row;
  }));
  const skipped = $("index-skipped");
  skipped.replaceChildren(...((p.report && p.report.skippedFiles) || []).map((f) => {
    const li = document.createElement("li");
    li.textContent = `${f.name}: ${f.reason}`;
    return li;
  }));
}

async function indexFolder(folder) {
  try {
    await api("/api/index", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ folder }) });
    for (;;) {
      const p = await (await api("/api/index")).json();
      renderPasses(p);
      $("index-status").textContent = p.running ? `Indexing ${p.folder}… you can go on searching.` : p.error ? `Failed: ${p.error}`
        : `Done: ${p.report.embedded} new, ${p.report.reused} recognised (moved or copied), ${p.report.unchanged} unchanged, ${p.report.removed} removed, ${p.report.skipped} skipped. The index holds ${p.report.indexedImages} images.`;
      if (!p.running) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    loadStatus();
  } catch (e) {
    showError(e.message);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("composer").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = $("message").value.trim();
    if (!text) return;
    $("message").value = "";
    turn(text);
  });
  $("upload").addEventListener("change", (ev) => uploadImage(ev.target.files[0]));
  $("new-search").addEventListener("click", async () => {
    try { if (state.sessionId) await api(`/api/sessions/${state.sessionId}/reset`, { method: "POST" }); } catch { await ensureSession(true); }
    $("conversation").replaceChildren();
    $("results").replaceChildren();
    $("chips")?.replaceChildren();
    renderShowMore(0);
    showError("");
    loadStatus();
    loadLibrary();
    $("message").focus();
  });
  $("viewer-close").addEventListener("click", () => $("viewer").close());
  for (const [id, kind] of [["viewer-more", "more"], ["viewer-not", "dislike"]]) {
    $(id).addEventListener("click", (ev) => {
      const item = state.viewItem;
      $("viewer").close();
      // The card's own button shows the feedback as pressed.
      if (item) feedback(item.id, kind, document.querySelector(`#results .card[data-id="${item.id}"] .${kind}`) || ev.currentTarget);
    });
  }
  $("viewer-copy").addEventListener("click", async () => {
    const path = state.viewItem && state.viewItem.path;
    if (!path) return;
    try {
      await navigator.clipboard.writeText(path);
      $("viewer-copied").textContent = "Path copied.";
    } catch {
      // Without clipboard access (plain http on another name), select the path so that it can be copied by hand.
      const range = document.createRange();
      range.selectNodeContents($("viewer-path"));
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      $("viewer-copied").textContent = "Path selected: copy it with Ctrl+C.";
    }
  });
  $("viewer-prev").addEventListener("click", () => stepViewer(-1));
  $("viewer-next").addEventListener("click", () => stepViewer(1));
  $("viewer").addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowRight") { ev.preventDefault(); stepViewer(1); }
    if (ev.key === "ArrowLeft") { ev.preventDefault(); stepViewer(-1); }
  });
  let touchX = null;
  $("viewer").addEventListener("touchstart", (ev) => { touchX = ev.changedTouches[0].clientX; }, { passive: true });
  $("viewer").addEventListener("touchend", (ev) => {
    if (touchX === null) return;
    const dx = ev.changedTouches[0].clientX - touchX;
    touchX = null;
    if (Math.abs(dx) > 50) stepViewer(dx < 0 ? 1 : -1);
  });
  $("index-form").addEventListener("submit", (ev) => { ev.preventDefault(); indexFolder($("folder").value); });
  document.addEventListener("dragover", (ev) => { ev.preventDefault(); document.body.classList.add("dragging"); });
  document.addEventListener("dragleave", () => document.body.classList.remove("dragging"));
  document.addEventListener("drop", (ev) => {
    ev.preventDefault();
    document.body.classList.remove("dragging");
    uploadImage(ev.dataTransfer.files[0]);
  });
  loadStatus();
  loadLibrary();
  $("message").focus();
});
