// FindColor web UI: wires the stage, the colour picker, the panels and the API together.
// Every change goes to the server first (one request at a time, in order); the preview is then
// refreshed (debounced) and, once it is current, the full-resolution result is loaded.
// Every edit (hints, strokes, erasing, clearing, the reference, the region mode, the settings) is
// one entry of one undo history (history.js), kept per project in IndexedDB across reloads.

import { projects, onBusy } from "./api.js";
import { EditHistory, makeSnapshot, sameHints } from "./history.js";
import { Home } from "./home.js";
import { ColorPicker } from "./picker.js";
import { Stage } from "./stage.js";
import { showError, toast } from "./toast.js";

const $ = (id) => document.getElementById(id);
const PREVIEW_DELAY_MS = 220;
const REGION_UPLOAD_DELAY_MS = 350;
const HISTORY_SAVE_DELAY_MS = 300;
const ACCEPTED_TYPES = ["image/jpeg", "image/png", "image/tiff"];
const ACCEPTED_EXTENSIONS = /\.(jpe?g|png|tiff?)$/i;
/** The server's region when it holds a mask with nothing painted (the reference then colours nothing). */
const EMPTY_REGION = "empty";

const state = {
  project: null,
  hints: [],
  selectedId: null,
  // How far new hints reach ("similar" or "local"); the selected hint's own setting is shown instead.
  spread: "similar",
  point: null, // [x, y] of the last picked pixel (for suggestions)
  version: 0, // bumped by every change of what the picture depends on
  regionMode: "whole",
  tool: "hints",
  referenceKey: null, // the history's key of the reference photo the server holds
  maskKey: null, // the history's key of the painted mask on the stage (null: nothing painted)
  serverRegion: null, // the region the server holds: null (none), EMPTY_REGION or a mask key
  armedColour: null, // a colour picked while no hint was selected: the next hint takes it
  maskGeneration: 0, // bumped whenever the history puts back another mask
};

// MARK: Status and counters (also read by the browser test)

function setStatus(text, busy = false) {
  const el = $("status");
  el.textContent = text;
  el.title = text;
  el.classList.toggle("busy", busy);
}

/** The status for the current state, after something that set another one ended (or failed). */
function restoreStatus() {
  if (!state.project) setStatus("Ready");
  else if (render.timer || render.previewBusy) setStatus("Updating preview…", true);
  else if (render.resultBusy) setStatus("Rendering full resolution…", true);
  else if (document.body.dataset.resultVersion === String(state.version)) setStatus("Up to date");
  else setStatus("Preview shown");
}

function bump(name) {
  const body = document.body;
  body.dataset[name] = String(Number(body.dataset[name] || "0") + 1);
}

// MARK: Serialised changes

let chain = Promise.resolve();
/** Runs `task` after every change queued before it. */
function enqueue(task) {
  const run = chain.then(task);
  chain = run.catch(() => {});
  return run;
}

// MARK: Components

const history = new EditHistory(updateButtons);

const stage = new Stage(
  {
    wrap: $("stage-wrap"),
    photo: $("photo"),
    imgColor: $("img-color"),
    imgOriginal: $("img-original"),
    beforeClip: $("before-clip"),
    mask: $("mask-canvas"),
    outline: $("mask-outline"),
    hints: $("hint-layer"),
    slider: $("slider"),
    cursor: $("cursor"),
  },
  {
    addHint: (px, py) => addHint(px, py),
    moveHint: (id, x, y) => changeHint(id, { x, y }, "move the hint"),
    selectHint: (id) => selectHint(id),
    deleteHint: (id) => deleteHint(id),
    maskChanged: (span) => maskEdited(span, state.tool === "eraser" ? "erase" : "paint stroke"),
  },
);

const picker = new ColorPicker(
  {
    gamut: $("gamut"),
    swatch: $("swatch"),
    hex: $("hex"),
    lightness: $("lightness"),
    lightnessValue: $("lightness-value"),
    suggestions: $("suggestions"),
    suggestionsNote: $("suggestions-note"),
    recent: $("recent"),
  },
  (ab, commit) => colourPicked(ab, commit),
);

const home = new Home(
  { root: $("home"), list: $("project-list"), empty: $("project-list-empty"), count: $("project-count") },
  {
    open: (id) => openProject(id),
    deleted: (id) => {
      EditHistory.forget(id);
      if (state.project?.id === id) closeProject();
    },
  },
);

onBusy((seconds) => setStatus(`Server busy — retrying in ${seconds} s`, true));

// MARK: Views

function showView(view) {
  document.body.dataset.view = view;
  $("home").hidden = view !== "home";
  $("editor").hidden = view !== "editor";
  for (const el of document.querySelectorAll("[data-editor-only]")) el.hidden = view !== "editor";
}

function closeProject() {
  flushPending();
  state.project = null;
  state.hints = [];
  state.selectedId = null;
  history.reset(null);
  showView("home");
  window.history.replaceState(null, "", "#/");
  home.refresh();
  setStatus("Ready");
}

// MARK: Opening and creating projects

function acceptable(file) {
  return ACCEPTED_TYPES.includes(file.type) || ACCEPTED_EXTENSIONS.test(file.name || "");
}

async function uploadPhoto(file) {
  if (!acceptable(file)) {
    toast(`“${file.name}” is not a JPEG, PNG or TIFF photo.`, "error");
    return;
  }
  setStatus(`Uploading ${file.name}…`, true);
  try {
    const project = await projects.create(file);
    await openProject(project.id);
    toast(`“${project.name}” is ready — click the photo to add colour hints.`);
  } catch (error) {
    restoreStatus();
    showError(error, "Could not open the photo");
  }
}

/** The document as it is now (what an undo history entry holds). */
function currentDoc() {
  const p = state.project;
  return makeSnapshot({
    hints: state.hints,
    name: p.name,
    preset: p.preset,
    vividness: p.vividness,
    transferGlobal: p.transferGlobal,
    reference: p.hasReference ? state.referenceKey : null,
    regionMode: state.regionMode,
    mask: state.maskKey,
  });
}

/** True when a saved history's current entry is what the server holds. */
function historyMatches(entry, project) {
  return entry.name === project.name && entry.preset === project.preset && entry.vividness === project.vividness
    && entry.transferGlobal === project.transferGlobal && Boolean(entry.reference) === project.hasReference
    && (entry.regionMode === "region") === project.hasRegion && sameHints(entry.hints, project.hints);
}

async function openProject(id) {
  if (state.project && state.project.id !== id) flushPending();
  setStatus("Opening…", true);
  let project;
  try {
    project = await projects.get(id);
  } catch (error) {
    showError(error, "Could not open the project");
    closeProject();
    return;
  }
  state.project = project;
  state.hints = project.hints;
  state.selectedId = null;
  state.point = null;
  state.armedColour = null;
  state.version++;
  document.body.dataset.version = String(state.version);
  delete document.body.dataset.historyRevision;
  history.reset(project.id);
  window.history.replaceState(null, "", `#/p/${project.id}`);
  showView("editor");
  picker.showSuggestions(null, "Click the photo to see the colours the model expects there.");
  updateArmed();
  try {
    await stage.load(project);
  } catch (error) {
    showError(error, "Could not show the photo");
  }
  const shortSide = Math.min(project.width, project.height);
  const input = $("hint-size");
  input.max = String(Math.max(8, Math.min(128, Math.round(shortSide / 6))));
  input.value = String(Math.max(2, Math.min(16, Math.round(shortSide / 100))));
  hintSizeChanged(false);

  // The undo history of an earlier session, if the project has not changed since.
  const saved = await EditHistory.load(project.id, project.revision);
  if (state.project?.id !== project.id) return;
  const entry = saved?.states[saved.index];
  if (entry && historyMatches(entry, project) && (!entry.mask || saved.files.get(entry.mask))) {
    history.restore(project.id, saved);
    state.regionMode = entry.regionMode;
    state.referenceKey = entry.reference;
    state.maskKey = entry.mask;
    await stage.restoreMask(entry.mask ? saved.files.get(entry.mask) : null);
  } else {
    state.regionMode = project.hasRegion ? "region" : "whole";
    state.referenceKey = project.hasReference ? history.addServerFile("reference") : null;
    state.maskKey = null;
    if (project.hasRegion) {
      try {
        const response = await fetch(project.links.region);
        if (!response.ok) throw new Error(`the region mask could not be loaded (${response.status})`);
        await stage.loadMask(await response.blob());
        const kept = await stage.maskSnapshot();
        if (kept) state.maskKey = history.addFile(kept, "mask");
      } catch (error) {
        showError(error, "Region mask");
      }
    }
    history.begin(currentDoc());
  }
  if (state.project?.id !== project.id) return;
  state.serverRegion = project.hasRegion ? state.maskKey ?? EMPTY_REGION : null;
  setTool("hints");
  stage.setHints(state.hints, null);
  // Open the before/after split where it shows the colour of every hint and of the painted region.
  const bounds = stage.maskBounds();
  if (bounds) stage.reveal(bounds.minX);
  for (const hint of state.hints) stage.reveal(hint.x);
  renderPanels();
  scheduleRender(0);
}

// MARK: The undo history

/** Records the state after an edit and saves the history soon (see EditHistory.push for `coalesce`). */
function record(label, coalesce = false) {
  if (!state.project) return;
  history.push(currentDoc(), label, coalesce);
  scheduleSave();
}

function undoRedo(delta) {
  if (!state.project) return;
  const project = state.project;
  enqueue(async () => {
    if (state.project?.id !== project.id) return;
    const target = history.peek(delta);
    if (!target) return;
    const what = delta < 0 ? "undo" : "redo";
    const label = delta < 0 ? history.undoLabel : history.redoLabel;
    setStatus(`${delta < 0 ? "Undoing" : "Redoing"} ${label}…`, true);
    try {
      await applySnapshot(target);
      history.move(delta);
    } catch (error) {
      showError(error, `Could not ${what} ${label}`);
      await reread();
    }
    if (state.project?.id !== project.id) return;
    changed();
    scheduleSave();
  });
}

/** Makes the server and the stage hold `target`, changing only what differs. */
async function applySnapshot(target) {
  const id = state.project.id;
  const settings = {};
  for (const key of ["name", "preset", "vividness", "transferGlobal"]) {
    if (target[key] !== state.project[key]) settings[key] = target[key];
  }
  if (Object.keys(settings).length) state.project = await projects.settings(id, settings);

  if (!sameHints(target.hints, state.hints)) {
    const result = await projects.replaceHints(id, target.hints);
    state.hints = result.hints;
    if (!state.hints.some((h) => h.id === state.selectedId)) state.selectedId = null;
  }

  const reference = state.project.hasReference ? state.referenceKey : null;
  if (target.reference !== reference) {
    if (reference) await keepReference(reference);
    if (target.reference) {
      const file = history.file(target.reference);
      if (!file) throw new Error("that reference photo is no longer kept");
      state.project = await projects.setReference(id, file);
    } else {
      state.project = await projects.removeReference(id);
    }
    state.referenceKey = target.reference;
  }

  state.regionMode = target.regionMode;
  if (target.mask !== state.maskKey) {
    await stage.restoreMask(target.mask ? history.file(target.mask) : null);
    state.maskKey = target.mask;
    state.maskGeneration++;
    const bounds = stage.maskBounds();
    if (bounds) stage.reveal(bounds.minX);
  }
  clearTimeout(regionTimer);
  regionTimer = null;
  await syncRegion();
  if (!painting() && state.tool !== "hints") setTool("hints");
}

/** Fetches the reference photo the server holds so that an undo can put it back after a change. */
async function keepReference(key) {
  if (history.file(key) || !state.project?.reference) return;
  try {
    const response = await fetch(state.project.reference.url, { cache: "no-store" });
    if (!response.ok) throw new Error(`${response.status}`);
    history.setFile(key, await response.blob());
  } catch (error) {
    console.warn("the reference photo could not be kept for undo", error);
  }
}

/** Reads the project again after a failed step, so that the panels show what the server holds. */
async function reread() {
  const project = state.project;
  if (!project) return;
  try {
    const fresh = await projects.get(project.id);
    if (state.project?.id !== project.id) return;
    state.project = fresh;
    state.hints = fresh.hints;
    if (!state.hints.some((h) => h.id === state.selectedId)) state.selectedId = null;
  } catch (error) {
    console.warn("the project could not be read again", error);
  }
}

// Saving: the region upload (debounced while painting) first, then the history with the revision
// the server reports for that state.
let regionTimer = null;
let saveTimer = null;

function desiredRegion() {
  return state.regionMode === "region" ? state.maskKey ?? EMPTY_REGION : null;
}

/** Sends the region to the server if it differs from what the server holds; true when it changed. */
async function syncRegion() {
  const project = state.project;
  const desired = desiredRegion();
  if (!project || desired === state.serverRegion) return false;
  let updated;
  if (desired === null) {
    updated = await projects.removeRegion(project.id);
  } else {
    setStatus("Saving the region…", true);
    updated = await projects.setRegion(project.id, await stage.maskPNG());
  }
  if (state.project?.id !== project.id) return false;
  state.serverRegion = desired;
  state.project = updated;
  return true;
}

function scheduleRegionSync() {
  clearTimeout(regionTimer);
  regionTimer = setTimeout(() => {
    regionTimer = null;
    const project = state.project;
    enqueue(async () => {
      if (state.project?.id !== project?.id) return;
      try {
        if (await syncRegion()) changed();
        else restoreStatus();
      } catch (error) {
        restoreStatus();
        showError(error, "Region");
        return;
      }
      scheduleSave(0);
    });
  }, REGION_UPLOAD_DELAY_MS);
}

function scheduleSave(delay = HISTORY_SAVE_DELAY_MS) {
  clearTimeout(saveTimer);
  saveTimer = setTimeout(() => {
    saveTimer = null;
    if (regionTimer) return; // the region upload saves afterwards
    const project = state.project;
    if (!project) return;
    enqueue(async () => {
      if (state.project?.id !== project.id || regionTimer) return;
      try {
        const fresh = await projects.get(project.id);
        if (state.project?.id !== project.id) return;
        state.project.revision = fresh.revision;
        state.project.stateHash = fresh.stateHash;
        if (await history.save(fresh.revision)) document.body.dataset.historyRevision = String(fresh.revision);
      } catch (error) {
        console.warn("the undo history was not saved", error);
      }
    });
  }, delay);
}

/** Leaving a project: sends a region still waiting to be uploaded and saves the history now. */
function flushPending() {
  const project = state.project;
  if (!project || (!regionTimer && !saveTimer)) return;
  clearTimeout(regionTimer);
  clearTimeout(saveTimer);
  regionTimer = saveTimer = null;
  const desired = desiredRegion();
  const regionChanged = desired !== state.serverRegion;
  const png = regionChanged && desired !== null ? stage.maskPNG() : null;
  const saved = history.capture();
  enqueue(async () => {
    try {
      if (regionChanged) {
        if (desired === null) await projects.removeRegion(project.id);
        else await projects.setRegion(project.id, await png);
      }
      const fresh = await projects.get(project.id);
      await EditHistory.saveRecord(saved, fresh.revision);
    } catch (error) {
      showError(error, `Could not save the last change to “${project.name}”`);
    }
  });
}

// MARK: Hints

function hintSize() {
  return Number($("hint-size").value);
}

function selectHint(id) {
  state.selectedId = id;
  const hint = state.hints.find((h) => h.id === id);
  stage.setHints(state.hints, id);
  if (!hint) return;
  state.armedColour = null;
  updateArmed();
  $("hint-size").value = String(hint.size);
  hintSizeChanged(false);
  picker.setColor(hint.ab);
  pickPoint(hint.x + hint.size / 2, hint.y + hint.size / 2, hint.size);
  renderPanels();
}

function deselect() {
  state.selectedId = null;
  stage.setHints(state.hints, null);
  renderPanels();
}

/**
 * Shows the picker at the lightness of pixel (px, py) and asks the model for suggestions there;
 * resolves to the suggestions (most likely first), or null.
 */
let suggestToken = 0;
async function pickPoint(px, py, size = 1) {
  const project = state.project;
  if (!project) return null;
  const x = Math.min(project.width - 1, Math.max(0, Math.floor(px)));
  const y = Math.min(project.height - 1, Math.max(0, Math.floor(py)));
  state.point = [x, y];
  picker.setLightness(stage.lightnessAt(x - size / 2, y - size / 2, size));
  const token = ++suggestToken;
  picker.showSuggestions(null, "Asking the model…");
  try {
    const result = await projects.suggest(project.id, x, y, 8);
    if (token === suggestToken && state.project?.id === project.id) {
      picker.showSuggestions(result.suggestions, `Most likely colours at (${x}, ${y})`);
    }
    return result.suggestions;
  } catch (error) {
    if (token === suggestToken) {
      picker.showSuggestions(null, "");
      showError(error, "Suggestions");
    }
    return null;
  }
}

/** A new hint: the colour picked for it beforehand, else the model's most likely colour there. */
function addHint(px, py) {
  const project = state.project;
  if (!project) return;
  const [x, y, size] = stage.patchAt(px, py, hintSize());
  const armed = state.armedColour;
  state.armedColour = null;
  updateArmed();
  const suggestions = pickPoint(px, py, size);
  stage.reveal(x);
  enqueue(async () => {
    if (state.project?.id !== project.id) return;
    let ab = armed;
    if (!ab) {
      const list = await suggestions;
      ab = list && list.length ? [list[0].a, list[0].b] : [picker.ab[0], picker.ab[1]];
    }
    try {
      const hint = await projects.addHint(project.id, { x, y, size, ab, spread: state.spread });
      if (state.project?.id !== project.id) return;
      state.hints = [...state.hints, hint];
      state.selectedId = hint.id;
      picker.setColor(hint.ab);
      record("add a hint");
      changed();
    } catch (error) {
      showError(error, "Could not add the hint");
    }
  });
}

function changeHint(id, changes, what, coalesce = false) {
  const project = state.project;
  if (!project) return;
  enqueue(async () => {
    if (state.project?.id !== project.id || !state.hints.some((h) => h.id === id)) return;
    try {
      const updated = await projects.updateHint(project.id, id, changes);
      if (state.project?.id !== project.id) return;
      state.hints = state.hints.map((h) => (h.id === id ? updated : h));
      state.selectedId = id;
      record(what, coalesce);
      changed();
    } catch (error) {
      stage.setHints(state.hints, state.selectedId);
      showError(error, `Could not ${what}`);
    }
  });
}

function deleteHint(id) {
  const project = state.project;
  if (!project) return;
  enqueue(async () => {
    if (state.project?.id !== project.id || !state.hints.some((h) => h.id === id)) return;
    try {
      await projects.deleteHint(project.id, id);
      if (state.project?.id !== project.id) return;
      state.hints = state.hints.filter((h) => h.id !== id);
      if (state.selectedId === id) state.selectedId = null;
      record("delete the hint");
      changed();
    } catch (error) {
      showError(error, "Could not delete the hint");
    }
  });
}

function clearHints() {
  const project = state.project;
  if (!project) return;
  enqueue(async () => {
    if (state.project?.id !== project.id || state.hints.length === 0) return;
    try {
      const result = await projects.replaceHints(project.id, []);
      if (state.project?.id !== project.id) return;
      state.hints = result.hints;
      state.selectedId = null;
      record("clear the hints");
      changed();
    } catch (error) {
      showError(error, "Could not clear the hints");
    }
  });
}

function colourPicked(ab, commit) {
  const hint = state.hints.find((h) => h.id === state.selectedId);
  if (!hint) {
    // No hint selected: the colour is for the next hint.
    if (commit) {
      state.armedColour = [ab[0], ab[1]];
      updateArmed();
    }
    return;
  }
  if (!commit) {
    // Live feedback while dragging in the gamut; the change is sent when the drag ends.
    stage.setHints(state.hints.map((h) => (h.id === hint.id ? { ...h, ab } : h)), hint.id);
    return;
  }
  if (Math.abs(hint.ab[0] - ab[0]) < 0.05 && Math.abs(hint.ab[1] - ab[1]) < 0.05) return;
  changeHint(hint.id, { ab: [ab[0], ab[1]] }, "recolour the hint");
}

function updateArmed() {
  $("swatch").classList.toggle("armed", Boolean(state.armedColour));
}

/** The reach control: changes the selected hint's spread, or that of the hints to come. */
function spreadChosen(spread) {
  state.spread = spread;
  const hint = state.hints.find((h) => h.id === state.selectedId);
  if (hint && (hint.spread ?? "similar") !== spread) changeHint(hint.id, { spread }, "change how far the hint reaches");
  renderPanels();
}

function hintSizeChanged(commit) {
  const size = hintSize();
  $("hint-size-value").textContent = `${size} px`;
  stage.hintSize = size;
  if (!commit) return;
  const hint = state.hints.find((h) => h.id === state.selectedId);
  if (!hint || hint.size === size) return;
  const [x, y, s] = stage.patchAt(hint.x + hint.size / 2, hint.y + hint.size / 2, size);
  changeHint(hint.id, { x, y, size: s }, "resize the hint", true);
}

/** Something the picture depends on changed: redraw, then re-render. */
function changed() {
  state.version++;
  document.body.dataset.version = String(state.version);
  stage.setHints(state.hints, state.selectedId);
  renderPanels();
  scheduleRender();
}

// MARK: Rendering (preview, then full resolution)

const render = { timer: null, previewBusy: false, previewAgain: false, resultBusy: false, resultAgain: false };

function scheduleRender(delay = PREVIEW_DELAY_MS) {
  clearTimeout(render.timer);
  setStatus("Updating preview…", true);
  render.timer = setTimeout(() => {
    render.timer = null;
    runPreview();
  }, delay);
}

async function runPreview() {
  if (render.previewBusy) {
    render.previewAgain = true;
    return;
  }
  const project = state.project;
  if (!project) return;
  render.previewBusy = true;
  const version = state.version;
  setStatus("Updating preview…", true);
  let ok = false;
  try {
    const { blob } = await projects.preview(project.id);
    if (state.project?.id === project.id) {
      stage.setColorImage(URL.createObjectURL(blob));
      document.body.dataset.previewVersion = String(version);
      bump("previewCount");
      ok = true;
    }
  } catch (error) {
    setStatus("Preview failed");
    showError(error, "Preview");
  } finally {
    render.previewBusy = false;
  }
  if (render.previewAgain || version !== state.version) {
    render.previewAgain = false;
    if (!render.timer) runPreview();
    return;
  }
  if (ok) runResult();
}

async function runResult() {
  if (render.resultBusy) {
    render.resultAgain = true;
    return;
  }
  const project = state.project;
  if (!project) return;
  render.resultBusy = true;
  const version = state.version;
  setStatus("Rendering full resolution…", true);
  $("render-indicator").hidden = false;
  try {
    const { blob } = await projects.result(project.id, "png");
    if (state.project?.id === project.id && version === state.version) {
      stage.setColorImage(URL.createObjectURL(blob));
      document.body.dataset.resultVersion = String(version);
      bump("resultCount");
      setStatus("Up to date");
    }
  } catch (error) {
    setStatus("Full-resolution render failed");
    showError(error, "Result");
  } finally {
    render.resultBusy = false;
    $("render-indicator").hidden = true;
  }
  if (render.resultAgain) {
    render.resultAgain = false;
    if (!render.previewBusy && !render.timer && version !== state.version) runResult();
  }
}

// MARK: Panels

/** True when the region brush applies: a reference photo and the "Painted region" mode. */
function painting() {
  return Boolean(state.project?.hasReference) && state.regionMode === "region";
}

function renderPanels() {
  const project = state.project;
  if (!project) return;
  if (document.activeElement !== $("project-name")) $("project-name").value = project.name;
  $("hint-count").textContent = `${state.hints.length} hint${state.hints.length === 1 ? "" : "s"}`;
  $("hint-layer").dataset.count = String(state.hints.length);
  document.body.dataset.hintCount = String(state.hints.length);
  $("btn-clear-hints").disabled = state.hints.length === 0;
  $("btn-delete-hint").disabled = !state.selectedId;
  const selected = state.hints.find((h) => h.id === state.selectedId);
  const spread = selected ? selected.spread ?? "similar" : state.spread;
  for (const button of document.querySelectorAll("#hint-spread button")) {
    button.setAttribute("aria-pressed", String(button.dataset.spread === spread));
  }
  if (document.activeElement !== $("vividness")) {
    $("vividness").value = String(project.vividness ?? 0);
    $("vividness-value").textContent = Number(project.vividness ?? 0).toFixed(2);
  }
  for (const button of document.querySelectorAll("#preset button")) {
    button.setAttribute("aria-pressed", String(button.dataset.preset === project.preset));
  }
  const hasReference = project.hasReference;
  $("reference-empty").hidden = hasReference;
  $("reference-set").hidden = !hasReference;
  if (hasReference) {
    const tag = `${project.reference.url}#${state.referenceKey}`;
    if ($("reference-thumb").dataset.src !== tag) {
      $("reference-thumb").src = `${project.reference.url}?v=${project.revision}`;
      $("reference-thumb").dataset.src = tag;
    }
    $("reference-size").textContent = `${project.reference.width}×${project.reference.height}`;
    $("transfer-global").checked = project.transferGlobal;
  }
  for (const button of document.querySelectorAll("#region-mode button")) {
    button.setAttribute("aria-pressed", String(button.dataset.mode === state.regionMode));
  }
  const canPaint = painting();
  $("stage-tools").hidden = !canPaint;
  // The painted region (outline, fill) is shown only while it applies.
  $("photo").dataset.region = canPaint ? "on" : "off";
  if (!canPaint && state.tool !== "hints") setTool("hints");
  for (const button of document.querySelectorAll("#tool button")) {
    button.setAttribute("aria-pressed", String(button.dataset.tool === state.tool));
  }
  $("btn-clear-region").disabled = !state.maskKey;
  const note = $("region-note");
  note.classList.toggle("warning", canPaint && !state.maskKey);
  note.textContent = !hasReference
    ? ""
    : state.regionMode === "whole"
      ? "The reference colours the whole photo; your hints win where they are."
      : state.maskKey
        ? "The reference colours the painted area (outlined on the photo); the rest follows your hints."
        : "Nothing painted yet, so the reference colours nothing. Paint the area it should colour with the brush.";
  document.body.dataset.regionMode = state.regionMode;
  document.body.dataset.maskPainted = state.maskKey ? "1" : "0";
  updateButtons();
}

function updateButtons() {
  const undo = $("btn-undo"), redo = $("btn-redo");
  undo.disabled = !history.canUndo;
  redo.disabled = !history.canRedo;
  undo.title = history.canUndo ? `Undo ${history.undoLabel} (Ctrl+Z)` : "Undo (Ctrl+Z)";
  redo.title = history.canRedo ? `Redo ${history.redoLabel} (Ctrl+Y)` : "Redo (Ctrl+Y)";
  document.body.dataset.undoDepth = String(Math.max(0, history.index));
}

// MARK: Settings, reference and region

function updateSettings(changes, what, coalesce = false) {
  const project = state.project;
  if (!project) return;
  enqueue(async () => {
    if (state.project?.id !== project.id) return;
    try {
      const updated = await projects.settings(project.id, changes);
      if (state.project?.id !== project.id) return;
      const pictureChanged = updated.stateHash !== state.project.stateHash;
      state.project = updated;
      record(what, coalesce);
      if (pictureChanged) changed();
      else renderPanels();
    } catch (error) {
      renderPanels();
      showError(error, `Could not ${what}`);
    }
  });
}

function setReference(file) {
  const project = state.project;
  if (!project) return;
  if (!acceptable(file)) {
    toast(`“${file.name}” is not a JPEG, PNG or TIFF photo.`, "error");
    return;
  }
  setStatus("Uploading the reference photo…", true);
  enqueue(async () => {
    if (state.project?.id !== project.id) return;
    const previous = state.project.hasReference ? state.referenceKey : null;
    try {
      if (previous) await keepReference(previous);
      const updated = await projects.setReference(project.id, file);
      if (state.project?.id !== project.id) return;
      state.project = updated;
      state.referenceKey = history.addFile(file, "reference");
      record(previous ? "replace the reference photo" : "set the reference photo");
      changed();
    } catch (error) {
      restoreStatus();
      showError(error, "Reference photo");
    }
  });
}

function removeReference() {
  const project = state.project;
  if (!project) return;
  enqueue(async () => {
    if (state.project?.id !== project.id || !state.project.hasReference) return;
    try {
      await keepReference(state.referenceKey);
      state.project = await projects.removeReference(project.id);
      record("remove the reference photo");
      changed();
    } catch (error) {
      showError(error, "Could not remove the reference photo");
    }
  });
}

function setRegionMode(mode) {
  const project = state.project;
  if (!project) return;
  // Shown at once; the change itself waits for the changes before it.
  for (const button of document.querySelectorAll("#region-mode button")) {
    button.setAttribute("aria-pressed", String(button.dataset.mode === mode));
  }
  enqueue(async () => {
    if (state.project?.id !== project.id || mode === state.regionMode) return;
    const before = state.regionMode;
    state.regionMode = mode;
    try {
      clearTimeout(regionTimer);
      regionTimer = null;
      await syncRegion();
      record(mode === "region" ? "“Painted region”" : "“Whole photo”");
      setTool(mode === "region" ? "brush" : "hints");
      changed();
    } catch (error) {
      state.regionMode = before;
      renderPanels();
      restoreStatus();
      showError(error, "Could not change where the reference applies");
    }
  });
}

function setTool(tool) {
  state.tool = tool;
  stage.setMode(tool === "hints" ? "hints" : "paint");
  stage.setBrush(tool === "eraser" ? "eraser" : "brush", Number($("brush-size").value));
  for (const button of document.querySelectorAll("#tool button")) {
    button.setAttribute("aria-pressed", String(button.dataset.tool === tool));
  }
}

/** A brush or eraser stroke ended (or the region was cleared): one history entry, then the upload. */
function maskEdited(span, label) {
  const project = state.project;
  if (!project) return;
  if (span) stage.reveal(span.minX);
  // The layer as it is now (toBlob copies it at once), even if the task waits behind others.
  const kept = stage.maskSnapshot();
  const generation = state.maskGeneration;
  enqueue(async () => {
    if (state.project?.id !== project.id) return;
    let blob;
    try {
      blob = await kept;
    } catch (error) {
      showError(error, "Region");
      return;
    }
    // An undo ran in between and put back another mask: show the stroke's result again.
    if (generation !== state.maskGeneration) await stage.restoreMask(blob);
    state.maskKey = blob ? history.addFile(blob, "mask") : null;
    record(label);
    renderPanels();
    scheduleRegionSync();
  });
}

// MARK: Download

async function download() {
  const project = state.project;
  if (!project) return;
  const format = $("download-format").value;
  const button = $("btn-download");
  button.disabled = true;
  setStatus("Preparing the download…", true);
  try {
    const blob = await projects.download(project.id, format);
    const url = URL.createObjectURL(blob);
    const link = document.createElement("a");
    link.href = url;
    link.download = `${project.name} (colour).${format === "jpeg" ? "jpg" : "png"}`;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    restoreStatus();
  } catch (error) {
    setStatus("Download failed");
    showError(error, "Download");
  } finally {
    button.disabled = false;
  }
}

// MARK: Wiring

function bindControls() {
  $("file-input").addEventListener("change", (event) => {
    const file = event.target.files[0];
    event.target.value = "";
    if (file) uploadPhoto(file);
  });
  $("btn-choose").addEventListener("click", () => $("file-input").click());
  $("btn-new").addEventListener("click", () => $("file-input").click());
  $("btn-projects").addEventListener("click", () => closeProject());

  $("btn-undo").addEventListener("click", () => undoRedo(-1));
  $("btn-redo").addEventListener("click", () => undoRedo(+1));
  $("btn-download").addEventListener("click", download);
  $("btn-clear-hints").addEventListener("click", clearHints);
  $("btn-delete-hint").addEventListener("click", () => {
    if (state.selectedId) deleteHint(state.selectedId);
  });

  $("hint-size").addEventListener("input", () => hintSizeChanged(false));
  $("hint-size").addEventListener("change", () => hintSizeChanged(true));
  for (const button of document.querySelectorAll("#hint-spread button")) {
    button.addEventListener("click", () => spreadChosen(button.dataset.spread));
  }

  $("project-name").addEventListener("change", (event) => {
    const name = event.target.value.trim();
    if (name && name !== state.project?.name) updateSettings({ name }, "rename the project");
  });
  $("project-name").addEventListener("keydown", (event) => {
    if (event.key === "Enter") event.target.blur();
  });

  for (const button of document.querySelectorAll("#preset button")) {
    button.addEventListener("click", () => {
      if (state.project && button.dataset.preset !== state.project.preset) {
        updateSettings({ preset: button.dataset.preset }, "change the quality preset");
      }
    });
  }
  $("vividness").addEventListener("input", (event) => {
    $("vividness-value").textContent = Number(event.target.value).toFixed(2);
  });
  $("vividness").addEventListener("change", (event) => {
    const vividness = Number(event.target.value);
    if (state.project && vividness !== state.project.vividness) updateSettings({ vividness }, "change the vividness", true);
  });
  $("transfer-global").addEventListener("change", (event) => {
    updateSettings({ transferGlobal: event.target.checked }, "change the colour matching");
  });

  $("reference-input").addEventListener("change", (event) => {
    const file = event.target.files[0];
    event.target.value = "";
    if (file) setReference(file);
  });
  $("btn-choose-reference").addEventListener("click", () => $("reference-input").click());
  $("btn-replace-reference").addEventListener("click", () => $("reference-input").click());
  $("btn-remove-reference").addEventListener("click", removeReference);
  for (const button of document.querySelectorAll("#region-mode button")) {
    button.addEventListener("click", () => setRegionMode(button.dataset.mode));
  }
  for (const button of document.querySelectorAll("#tool button")) {
    button.addEventListener("click", () => setTool(button.dataset.tool));
  }
  $("brush-size").addEventListener("input", () => {
    $("brush-size-value").textContent = `${$("brush-size").value} px`;
    stage.setBrush(state.tool === "eraser" ? "eraser" : "brush", Number($("brush-size").value));
  });
  $("btn-clear-region").addEventListener("click", () => {
    if (!state.maskKey) return;
    stage.clearMask();
    maskEdited(null, "clear the region");
  });

  // Drag and drop: a photo anywhere opens it as a new project; on the reference panel it becomes the reference.
  let dragDepth = 0;
  window.addEventListener("dragenter", (event) => {
    if (!event.dataTransfer?.types.includes("Files")) return;
    dragDepth++;
    document.body.classList.add("dragging-file");
  });
  window.addEventListener("dragleave", () => {
    dragDepth = Math.max(0, dragDepth - 1);
    if (dragDepth === 0) document.body.classList.remove("dragging-file");
  });
  window.addEventListener("dragover", (event) => {
    event.preventDefault();
    const overReference = event.target.closest?.("#panel-reference");
    document.body.classList.toggle("dragging-reference", Boolean(overReference && state.project));
  });
  window.addEventListener("drop", (event) => {
    event.preventDefault();
    dragDepth = 0;
    document.body.classList.remove("dragging-file", "dragging-reference");
    const file = event.dataTransfer?.files?.[0];
    if (!file) return;
    if (state.project && event.target.closest?.("#panel-reference")) setReference(file);
    else uploadPhoto(file);
  });

  // Shortcuts go to the one history whatever the tool; typing in a field keeps the field's own undo.
  window.addEventListener("keydown", (event) => {
    const typing = event.target.matches?.("input, textarea, select") && event.target.type !== "range" && event.target.type !== "checkbox";
    const key = event.key.toLowerCase();
    if ((event.ctrlKey || event.metaKey) && !event.altKey) {
      if (typing || !state.project) return;
      if (key === "z" && !event.shiftKey) {
        event.preventDefault();
        undoRedo(-1);
      } else if (key === "y" || (key === "z" && event.shiftKey)) {
        event.preventDefault();
        undoRedo(+1);
      }
      return;
    }
    if (typing || !state.project || event.altKey) return;
    if ((event.key === "Delete" || event.key === "Backspace") && state.selectedId && state.tool === "hints") {
      event.preventDefault();
      deleteHint(state.selectedId);
    } else if (event.key === "Escape") {
      if (state.tool !== "hints") setTool("hints");
      else deselect();
    } else if (painting() && (key === "b" || key === "e" || key === "h")) {
      setTool(key === "b" ? "brush" : key === "e" ? "eraser" : "hints");
    }
  });

  window.addEventListener("unhandledrejection", (event) => {
    showError(event.reason, "Unexpected error");
  });
  window.addEventListener("hashchange", route);
  window.addEventListener("pagehide", flushPending);
}

function route() {
  const match = /^#\/p\/([0-9a-f-]{36})$/i.exec(location.hash);
  if (match) {
    if (state.project?.id !== match[1].toLowerCase()) openProject(match[1].toLowerCase());
  } else if (state.project) {
    closeProject();
  } else {
    showView("home");
    home.refresh();
  }
}

bindControls();
$("brush-size-value").textContent = `${$("brush-size").value} px`;
setStatus("Ready");
route();
