// The element map: every DOM node the editor uses, looked up once by id (index.html). Modules read
// their nodes from here instead of querying the document, so a renamed id is fixed in one place.

const byId = (id) => {
  const node = document.getElementById(id);
  if (!node) throw new Error(`index.html has no element #${id}`);
  return node;
};

export const el = {
  status: byId("status"),
  home: byId("home"),
  editor: byId("editor"),
  renderIndicator: byId("render-indicator"),

  // Top bar
  projectName: byId("project-name"),
  fileInput: byId("file-input"),
  chooseFile: byId("btn-choose"),
  newPhoto: byId("btn-new"),
  projects: byId("btn-projects"),
  undo: byId("btn-undo"),
  redo: byId("btn-redo"),
  download: byId("btn-download"),
  downloadFormat: byId("download-format"),

  // The start screen (home.js)
  homeParts: {
    root: byId("home"),
    list: byId("project-list"),
    empty: byId("project-list-empty"),
    count: byId("project-count"),
  },

  // The photo stage (stage.js)
  stageParts: {
    wrap: byId("stage-wrap"),
    photo: byId("photo"),
    imgColor: byId("img-color"),
    imgOriginal: byId("img-original"),
    beforeClip: byId("before-clip"),
    mask: byId("mask-canvas"),
    outline: byId("mask-outline"),
    hints: byId("hint-layer"),
    slider: byId("slider"),
    cursor: byId("cursor"),
  },
  photo: byId("photo"),
  // The repair overlay and its brush (repair-layer.js)
  repairCanvas: byId("repair-canvas"),
  stageTools: byId("stage-tools"),
  toolButtons: document.querySelectorAll("#tool button"),
  regionOnly: document.querySelectorAll('#stage-tools [data-for="region"]'),
  repairOnly: document.querySelectorAll('#stage-tools [data-for="repair"]'),
  brushSize: byId("brush-size"),
  brushSizeValue: byId("brush-size-value"),
  clearRegion: byId("btn-clear-region"),

  // The hint colour picker (picker.js)
  pickerParts: {
    gamut: byId("gamut"),
    swatch: byId("swatch"),
    hex: byId("hex"),
    lightness: byId("lightness"),
    lightnessValue: byId("lightness-value"),
    suggestions: byId("suggestions"),
    suggestionsNote: byId("suggestions-note"),
    recent: byId("recent"),
  },
  swatch: byId("swatch"),

  // Hints panel
  hintCount: byId("hint-count"),
  hintSize: byId("hint-size"),
  hintSizeValue: byId("hint-size-value"),
  spreadButtons: document.querySelectorAll("#hint-spread button"),
  deleteHint: byId("btn-delete-hint"),
  clearHints: byId("btn-clear-hints"),

  // Reference panel
  referencePanel: byId("panel-reference"),
  referenceInput: byId("reference-input"),
  referenceEmpty: byId("reference-empty"),
  referenceSet: byId("reference-set"),
  referenceThumb: byId("reference-thumb"),
  referenceSize: byId("reference-size"),
  chooseReference: byId("btn-choose-reference"),
  replaceReference: byId("btn-replace-reference"),
  removeReference: byId("btn-remove-reference"),
  transferGlobal: byId("transfer-global"),
  regionModeButtons: document.querySelectorAll("#region-mode button"),
  regionNote: byId("region-note"),

  // Repair panel
  repair: byId("repair"),
  repairOptions: byId("repair-options"),
  repairDenoise: byId("repair-denoise"),
  repairDenoiseValue: byId("repair-denoise-value"),
  repairFade: byId("repair-fade"),
  repairOverlay: byId("repair-overlay"),
  repairNote: byId("repair-note"),
  repairMark: byId("btn-repair-mark"),
  repairReset: byId("btn-repair-reset"),

  // Quality panel
  presetButtons: document.querySelectorAll("#preset button"),
  vividness: byId("vividness"),
  vividnessValue: byId("vividness-value"),

  // Shown only in the editor
  editorOnly: document.querySelectorAll("[data-editor-only]"),
};
