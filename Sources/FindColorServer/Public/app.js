// FindColor web UI: wires the stage, the colour picker, the panels and the API together.
// Every change goes to the server first (one request at a time, in order); the preview is then
// refreshed (debounced) and, once it is current, the full-resolution result is loaded.

import { projects, onBusy } from "./api.js";
import { HintHistory } from "./history.js";
import { Home } from "./home.js";
import { ColorPicker } from "./picker.js";
import { Stage } from "./stage.js";
import { showError, toast } from "./toast.js";

const $ = (id) => document.getElementById(id);
const PREVIEW_DELAY_MS = 220;
const MASK_UPLOAD_DELAY_MS = 500;
const ACCEPTED_TYPES = ["image/jpeg", "image/png", "image/tiff"];
const ACCEPTED_EXTENSIONS = /\.(jpe?g|png|tiff?)$/i;

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
};

// MARK: Status and counters (also read by the browser test)

function setStatus(text, busy = false) {
  const el = $("status");
  el.textContent = text;
  el.classList.toggle("busy", busy);
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

const hintHistory = new HintHistory(updateButtons);

const stage = new Stage(
  {
    wrap: $("stage-wrap"),
    photo: $("photo"),
    imgColor: $("img-color"),
    imgOriginal: $("img-original"),
    beforeClip: $("before-clip"),
    mask: $("mask-canvas"),
    hints: $("hint-layer"),
    slider: $("slider"),
    cursor: $("cursor"),
  },
  {
    addHint: (px, py) => addHint(px, py),
    moveHint: (id, x, y) => changeHint(id, { x, y }, "move the hint"),
    selectHint: (id) => selectHint(id),
    deleteHint: (id) => deleteHint(id),
    maskChanged: () => scheduleMaskUpload(),
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
  state.project = null;
  state.hints = [];
  state.selectedId = null;
  hintHistory.reset();
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
    setStatus("Ready");
    showError(error, "Could not open the photo");
  }
}

async function openProject(id) {
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
  state.version++;
  document.body.dataset.version = String(state.version);
  hintHistory.reset();
  window.history.replaceState(null, "", `#/p/${project.id}`);
  showView("editor");
  picker.showSuggestions(null, "Click the photo to see the colours the model expects there.");
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
  state.regionMode = project.hasRegion ? "region" : "whole";
  setTool("hints");
  if (project.hasRegion) {
    try {
      const response = await fetch(project.links.region);
      if (!response.ok) throw new Error(`the region mask could not be loaded (${response.status})`);
      await stage.loadMask(await response.blob());
    } catch (error) {
      showError(error, "Region mask");
    }
  }
  stage.setHints(state.hints, null);
  renderPanels();
  scheduleRender(0);
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

/** Shows the picker at the lightness of pixel (px, py) and asks the model for suggestions there. */
let suggestToken = 0;
async function pickPoint(px, py, size = 1) {
  const project = state.project;
  if (!project) return;
  const x = Math.min(project.width - 1, Math.max(0, Math.floor(px)));
  const y = Math.min(project.height - 1, Math.max(0, Math.floor(py)));
  state.point = [x, y];
  picker.setLightness(stage.lightnessAt(x - size / 2, y - size / 2, size));
  const token = ++suggestToken;
  picker.showSuggestions(null, "Asking the model…");
  try {
    const result = await projects.suggest(project.id, x, y, 8);
    if (token !== suggestToken || state.project?.id !== project.id) return;
    picker.showSuggestions(result.suggestions, `Most likely colours at (${x}, ${y})`);
  } catch (error) {
    if (token !== suggestToken) return;
    picker.showSuggestions(null, "");
    showError(error, "Suggestions");
  }
}

function addHint(px, py) {
  const project = state.project;
  if (!project) return;
  const [x, y, size] = stage.patchAt(px, py, hintSize());
  const ab = [picker.ab[0], picker.ab[1]];
  pickPoint(px, py, size);
  enqueue(async () => {
    hintHistory.record(state.hints);
    try {
      const hint = await projects.addHint(project.id, { x, y, size, ab, spread: state.spread });
      if (state.project?.id !== project.id) return;
      state.hints = [...state.hints, hint];
      state.selectedId = hint.id;
      picker.addRecent(ab);
      changed();
    } catch (error) {
      hintHistory.discardLast();
      showError(error, "Could not add the hint");
    }
  });
}

function changeHint(id, changes, what) {
  const project = state.project;
  if (!project) return;
  enqueue(async () => {
    if (!state.hints.some((h) => h.id === id)) return;
    hintHistory.record(state.hints);
    try {
      const updated = await projects.updateHint(project.id, id, changes);
      if (state.project?.id !== project.id) return;
      state.hints = state.hints.map((h) => (h.id === id ? updated : h));
      state.selectedId = id;
      changed();
    } catch (error) {
      hintHistory.discardLast();
      stage.setHints(state.hints, state.selectedId);
      showError(error, `Could not ${what}`);
    }
  });
}

function deleteHint(id) {
  const project = state.project;
  if (!project) return;
  enqueue(async () => {
    if (!state.hints.some((h) => h.id === id)) return;
    hintHistory.record(state.hints);
    try {
      await projects.deleteHint(project.id, id);
      if (state.project?.id !== project.id) return;
      state.hints = state.hints.filter((h) => h.id !== id);
      if (state.selectedId === id) state.selectedId = null;
      changed();
    } catch (error) {
      hintHistory.discardLast();
      showError(error, "Could not delete the hint");
    }
  });
}

function replaceHints(target, kind) {
  const project = state.project;
  if (!project) return;
  enqueue(async () => {
    const current = HintHistory.copy(state.hints);
    const list = kind === "undo" ? hintHistory.undo(current) : kind === "redo" ? hintHistory.redo(current) : target;
    if (!list) return;
    if (!kind) hintHistory.record(current);
    try {
      const result = await projects.replaceHints(project.id, list);
      if (state.project?.id !== project.id) return;
      state.hints = result.hints;
      if (!state.hints.some((h) => h.id === state.selectedId)) state.selectedId = null;
      changed();
    } catch (error) {
      if (kind) hintHistory.revert(kind, current, list);
      else hintHistory.discardLast();
      showError(error, kind ? `Could not ${kind}` : "Could not change the hints");
    }
  });
}

function colourPicked(ab, commit) {
  const hint = state.hints.find((h) => h.id === state.selectedId);
  if (!hint) return;
  if (!commit) {
    // Live feedback while dragging in the gamut; the change is sent when the drag ends.
    stage.setHints(state.hints.map((h) => (h.id === hint.id ? { ...h, ab } : h)), hint.id);
    return;
  }
  if (Math.abs(hint.ab[0] - ab[0]) < 0.05 && Math.abs(hint.ab[1] - ab[1]) < 0.05) return;
  changeHint(hint.id, { ab: [ab[0], ab[1]] }, "recolour the hint");
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
  changeHint(hint.id, { x, y, size: s }, "resize the hint");
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

// MARK: Settings, reference and region

function renderPanels() {
  const project = state.project;
  if (!project) return;
  $("project-name").value = project.name;
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
    const src = `${project.reference.url}?v=${project.revision}`;
    if ($("reference-thumb").dataset.src !== project.reference.url + project.stateHash) {
      $("reference-thumb").src = src;
      $("reference-thumb").dataset.src = project.reference.url + project.stateHash;
    }
    $("reference-size").textContent = `${project.reference.width}×${project.reference.height}`;
    $("transfer-global").checked = project.transferGlobal;
  }
  for (const button of document.querySelectorAll("#region-mode button")) {
    button.setAttribute("aria-pressed", String(button.dataset.mode === state.regionMode));
  }
  const painting = hasReference && state.regionMode === "region";
  $("brush-tools").hidden = !painting;
  if (!painting && state.tool !== "hints") setTool("hints");
  for (const button of document.querySelectorAll("#tool button")) {
    button.setAttribute("aria-pressed", String(button.dataset.tool === state.tool));
  }
  $("region-note").textContent = painting
    ? project.hasRegion
      ? "The reference colours the painted area; the rest follows your hints."
      : "Paint the area the reference photo should colour."
    : "";
  updateButtons();
}

function updateButtons() {
  $("btn-undo").disabled = !hintHistory.canUndo;
  $("btn-redo").disabled = !hintHistory.canRedo;
}

function applyProject(project) {
  state.project = project;
  changed();
}

function updateSettings(changes, what) {
  const project = state.project;
  if (!project) return;
  enqueue(async () => {
    try {
      const updated = await projects.settings(project.id, changes);
      if (state.project?.id !== project.id) return;
      const pictureChanged = updated.stateHash !== state.project.stateHash;
      state.project = updated;
      if (pictureChanged) changed();
      else renderPanels();
    } catch (error) {
      renderPanels();
      showError(error, `Could not change the ${what}`);
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
    try {
      const updated = await projects.setReference(project.id, file);
      if (state.project?.id !== project.id) return;
      applyProject(updated);
      if (state.regionMode === "region" && !stage.maskIsEmpty()) scheduleMaskUpload();
    } catch (error) {
      setStatus("Ready");
      showError(error, "Reference photo");
    }
  });
}

function removeReference() {
  const project = state.project;
  if (!project) return;
  enqueue(async () => {
    try {
      applyProject(await projects.removeReference(project.id));
    } catch (error) {
      showError(error, "Could not remove the reference photo");
    }
  });
}

function setRegionMode(mode) {
  const project = state.project;
  if (!project || mode === state.regionMode) return;
  state.regionMode = mode;
  if (mode === "region") {
    setTool("brush");
    if (!stage.maskIsEmpty()) scheduleMaskUpload();
  } else {
    setTool("hints");
    if (project.hasRegion) {
      enqueue(async () => {
        try {
          applyProject(await projects.removeRegion(project.id));
        } catch (error) {
          showError(error, "Could not switch to the whole photo");
        }
      });
    }
  }
  renderPanels();
}

function setTool(tool) {
  state.tool = tool;
  stage.setMode(tool === "hints" ? "hints" : "paint");
  stage.setBrush(tool === "eraser" ? "eraser" : "brush", Number($("brush-size").value));
  for (const button of document.querySelectorAll("#tool button")) {
    button.setAttribute("aria-pressed", String(button.dataset.tool === tool));
  }
}

let maskTimer = null;
function scheduleMaskUpload() {
  clearTimeout(maskTimer);
  maskTimer = setTimeout(() => {
    const project = state.project;
    if (!project || state.regionMode !== "region" || !project.hasReference) return;
    enqueue(async () => {
      try {
        if (stage.maskIsEmpty()) {
          if (state.project.hasRegion) applyProject(await projects.removeRegion(project.id));
          else renderPanels();
          return;
        }
        setStatus("Saving the region…", true);
        const png = await stage.maskPNG();
        const updated = await projects.setRegion(project.id, png);
        if (state.project?.id === project.id) applyProject(updated);
      } catch (error) {
        showError(error, "Region mask");
      }
    });
  }, MASK_UPLOAD_DELAY_MS);
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
    setStatus("Up to date");
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

  $("btn-undo").addEventListener("click", () => replaceHints(null, "undo"));
  $("btn-redo").addEventListener("click", () => replaceHints(null, "redo"));
  $("btn-download").addEventListener("click", download);
  $("btn-clear-hints").addEventListener("click", () => {
    if (state.hints.length) replaceHints([], null);
  });
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
    if (name && name !== state.project?.name) updateSettings({ name }, "name");
  });
  $("project-name").addEventListener("keydown", (event) => {
    if (event.key === "Enter") event.target.blur();
  });

  for (const button of document.querySelectorAll("#preset button")) {
    button.addEventListener("click", () => {
      if (state.project && button.dataset.preset !== state.project.preset) {
        updateSettings({ preset: button.dataset.preset }, "quality preset");
      }
    });
  }
  $("vividness").addEventListener("input", (event) => {
    $("vividness-value").textContent = Number(event.target.value).toFixed(2);
  });
  $("vividness").addEventListener("change", (event) => {
    const vividness = Number(event.target.value);
    if (state.project && vividness !== state.project.vividness) updateSettings({ vividness }, "vividness");
  });
  $("transfer-global").addEventListener("change", (event) => {
    updateSettings({ transferGlobal: event.target.checked }, "colour matching");
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
    stage.clearMask();
    scheduleMaskUpload();
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

  window.addEventListener("keydown", (event) => {
    const typing = event.target.matches?.("input, textarea, select") && event.target.type !== "range";
    const key = event.key.toLowerCase();
    if ((event.ctrlKey || event.metaKey) && !typing) {
      if (key === "z" && !event.shiftKey) {
        event.preventDefault();
        replaceHints(null, "undo");
      } else if (key === "y" || (key === "z" && event.shiftKey)) {
        event.preventDefault();
        replaceHints(null, "redo");
      }
      return;
    }
    if (typing) return;
    if ((event.key === "Delete" || event.key === "Backspace") && state.selectedId) {
      event.preventDefault();
      deleteHint(state.selectedId);
    } else if (event.key === "Escape") {
      if (state.tool !== "hints") setTool("hints");
      else deselect();
    }
  });

  window.addEventListener("unhandledrejection", (event) => {
    showError(event.reason, "Unexpected error");
  });
  window.addEventListener("hashchange", route);
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
