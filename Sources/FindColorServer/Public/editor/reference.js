// The reference photo and where it applies: setting, replacing and removing it, the "Whole photo" /
// "Painted region" mode, the tools by the photo (hints, brush, eraser) and the painted mask's edits.

import { projects } from "../api.js";
import { showError } from "../toast.js";
import { checkPhotoFile, choosePhotoWith } from "./photo-file.js";
import { REPAIR_TOOLS, stillOpen, toolApplies } from "./state.js";

export class ReferenceEditor {
  constructor(app) {
    this.app = app;
  }

  bind() {
    const { el, state, stage } = this.app;
    choosePhotoWith(el.referenceInput, [el.chooseReference, el.replaceReference], (file) => this.setReference(file));
    el.removeReference.addEventListener("click", () => this.removeReference());
    for (const button of el.regionModeButtons) {
      button.addEventListener("click", () => this.setRegionMode(button.dataset.mode));
    }
    for (const button of el.toolButtons) {
      button.addEventListener("click", () => this.setTool(button.dataset.tool));
    }
    el.brushSize.addEventListener("input", () => {
      this.showBrushSize();
      stage.setBrush(state.tool === "eraser" ? "eraser" : "brush", Number(el.brushSize.value));
    });
    el.clearRegion.addEventListener("click", () => {
      if (!state.maskKey) return;
      stage.clearMask();
      this.maskEdited(null, "clear the region");
    });
    this.showBrushSize();
  }

  showBrushSize() {
    const { el } = this.app;
    el.brushSizeValue.textContent = `${el.brushSize.value} px`;
  }

  setReference(file) {
    const { state, queue, status, history, undo, render } = this.app;
    if (!state.project || !checkPhotoFile(file)) return;
    status.set("Uploading the reference photo…", true);
    queue.forOpenProject(state, async (project) => {
      const previous = state.project.hasReference ? state.referenceKey : null;
      try {
        if (previous) await undo.keepReference(previous);
        const updated = await projects.setReference(project.id, file);
        if (!stillOpen(state, project)) return;
        state.project = updated;
        state.referenceKey = history.addFile(file, "reference");
        undo.record(previous ? "replace the reference photo" : "set the reference photo");
        this.app.changed();
      } catch (error) {
        render.restoreStatus();
        showError(error, "Reference photo");
      }
    });
  }

  removeReference() {
    const { state, queue, undo } = this.app;
    queue.forOpenProject(state, async (project) => {
      if (!state.project.hasReference) return;
      try {
        await undo.keepReference(state.referenceKey);
        state.project = await projects.removeReference(project.id);
        undo.record("remove the reference photo");
        this.app.changed();
      } catch (error) {
        showError(error, "Could not remove the reference photo");
      }
    });
  }

  setRegionMode(mode) {
    const { state, queue, undo, saving, panels, render } = this.app;
    if (!state.project) return;
    // Shown at once; the change itself waits for the changes before it.
    panels.showRegionMode(mode);
    queue.forOpenProject(state, async () => {
      if (mode === state.regionMode) return;
      const before = state.regionMode;
      state.regionMode = mode;
      try {
        saving.cancelRegionUpload();
        await saving.syncRegion();
        undo.record(mode === "region" ? "“Painted region”" : "“Whole photo”");
        this.setTool(mode === "region" ? "brush" : "hints");
        this.app.changed();
      } catch (error) {
        state.regionMode = before;
        panels.render();
        render.restoreStatus();
        showError(error, "Could not change where the reference applies");
      }
    });
  }

  setTool(tool) {
    const { state, stage, el, panels, repair } = this.app;
    const wasRepair = REPAIR_TOOLS.includes(state.tool);
    state.tool = tool;
    const repairing = REPAIR_TOOLS.includes(tool);
    stage.setMode(tool === "hints" ? "hints" : repairing ? "repair" : "paint");
    stage.setBrush(tool === "eraser" ? "eraser" : "brush", Number(el.brushSize.value));
    if (repairing) repair.setMode(tool);
    panels.showTool(tool);
    if (repairing || wasRepair) panels.render();
  }

  /** Back to the Hints tool when the brush no longer applies (no reference or "Whole photo"; repair off). */
  keepToolApplicable() {
    const { state } = this.app;
    if (!toolApplies(state, state.tool)) this.setTool("hints");
  }

  /** A brush or eraser stroke ended (or the region was cleared): one history entry, then the upload. */
  maskEdited(span, label) {
    const { state, stage, queue, history, undo, saving, panels } = this.app;
    if (!state.project) return;
    if (span) stage.reveal(span.minX);
    // The layer as it is now (toBlob copies it at once), even if the task waits behind others.
    const kept = stage.maskSnapshot();
    const generation = state.maskGeneration;
    queue.forOpenProject(state, async () => {
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
      undo.record(label);
      panels.render();
      saving.scheduleRegionSync();
    });
  }
}
