// FindColor web UI: builds the editor's parts and wires them together. Every change goes to the
// server first (one request at a time, in order: editor/queue.js); the picture is then refreshed,
// a preview first and the full-resolution result once the preview is current (editor/render.js).
// Every edit is one entry of one undo history (history.js, editor/undo.js), kept per project in
// IndexedDB across reloads. The parts share one app state object (editor/state.js) and reach each
// other through `app`, so no module holds state of another.

import { onBusy } from "./api.js";
import { EditHistory } from "./history.js";
import { Home } from "./home.js";
import { ColorPicker } from "./picker.js";
import { RepairLayer } from "./repair-layer.js";
import { Stage } from "./stage.js";
import { showError } from "./toast.js";
import { bindDownload } from "./editor/download.js";
import { el } from "./editor/elements.js";
import { bindFileDrop } from "./editor/file-drop.js";
import { HintEditor } from "./editor/hints.js";
import { Panels } from "./editor/panels.js";
import { SerialQueue } from "./editor/queue.js";
import { ReferenceEditor } from "./editor/reference.js";
import { RenderController } from "./editor/render.js";
import { RepairEditor } from "./editor/repair.js";
import { Saving } from "./editor/saving.js";
import { Session } from "./editor/session.js";
import { SettingsEditor } from "./editor/settings.js";
import { bindShortcuts } from "./editor/shortcuts.js";
import { createState } from "./editor/state.js";
import { StatusLine } from "./editor/status.js";
import { UndoController } from "./editor/undo.js";

const app = { el, state: createState(), queue: new SerialQueue(), status: new StatusLine(el.status) };

app.history = new EditHistory(() => app.panels.updateButtons());
app.stage = new Stage(el.stageParts, {
  addHint: (x, y) => app.hints.add(x, y),
  dragHint: (id, x, y) => app.hints.dragged(id, x, y),
  dropHint: (id, x, y) => app.hints.dropped(id, x, y),
  selectHint: (id) => app.hints.select(id),
  deleteHint: (id) => app.hints.remove(id),
  maskChanged: (span) => app.reference.maskEdited(span, app.state.tool === "eraser" ? "erase" : "paint stroke"),
});
app.picker = new ColorPicker(el.pickerParts, (ab, commit) => app.hints.colourPicked(ab, commit));
app.home = new Home(el.homeParts, {
  open: (id) => app.session.open(id),
  deleted: (id) => {
    EditHistory.forget(id);
    if (app.state.project?.id === id) app.session.close();
  },
});
app.render = new RenderController(app);
app.panels = new Panels(app);
app.undo = new UndoController(app);
app.saving = new Saving(app);
app.hints = new HintEditor(app);
app.reference = new ReferenceEditor(app);
app.settings = new SettingsEditor(app);
app.repair = new RepairEditor(app, new RepairLayer(el.repairCanvas, app.stage, { edited: () => app.repair.edited() }));
app.session = new Session(app);

/** Something the picture depends on changed: redraw the hints and panels, then render again. */
app.changed = () => {
  const { state } = app;
  state.version++;
  app.stage.setHints(state.hints, state.selectedId);
  app.panels.render();
  app.render.schedule();
};

el.undo.addEventListener("click", () => app.undo.step(-1));
el.redo.addEventListener("click", () => app.undo.step(+1));
app.session.bind();
app.hints.bind();
app.reference.bind();
app.settings.bind();
app.repair.bind();
bindDownload(app);
bindFileDrop(app);
bindShortcuts(app);
onBusy((seconds) => app.status.set(`Server busy — retrying in ${seconds} s`, true));
window.addEventListener("unhandledrejection", (event) => showError(event.reason, "Unexpected error"));

app.status.set("Ready");
app.session.route();
