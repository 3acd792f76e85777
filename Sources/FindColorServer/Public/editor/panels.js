// The side panels and the undo/redo buttons, drawn from the app state.

import { painting } from "./state.js";

const pressed = (buttons, isOn) => {
  for (const button of buttons) button.setAttribute("aria-pressed", String(isOn(button)));
};

export class Panels {
  constructor(app) {
    this.app = app;
  }

  render() {
    const { state, el } = this.app;
    const project = state.project;
    if (!project) return;
    if (document.activeElement !== el.projectName) el.projectName.value = project.name;
    this.renderHints();
    if (document.activeElement !== el.vividness) {
      el.vividness.value = String(project.vividness ?? 0);
      el.vividnessValue.textContent = Number(project.vividness ?? 0).toFixed(2);
    }
    pressed(el.presetButtons, (b) => b.dataset.preset === project.preset);
    this.renderReference();
    this.renderTools();
    this.app.repair.render();
    this.updateButtons();
  }

  renderHints() {
    const { state, el } = this.app;
    const count = state.hints.length;
    el.hintCount.textContent = `${count} hint${count === 1 ? "" : "s"}`;
    el.clearHints.disabled = count === 0;
    el.deleteHint.disabled = !state.selectedId;
    const selected = state.hints.find((h) => h.id === state.selectedId);
    const spread = selected ? selected.spread ?? "similar" : state.spread;
    pressed(el.spreadButtons, (b) => b.dataset.spread === spread);
  }

  renderReference() {
    const { state, el } = this.app;
    const project = state.project;
    const hasReference = project.hasReference;
    el.referenceEmpty.hidden = hasReference;
    el.referenceSet.hidden = !hasReference;
    if (hasReference) {
      const tag = `${project.reference.url}#${state.referenceKey}`;
      if (el.referenceThumb.dataset.src !== tag) {
        el.referenceThumb.src = `${project.reference.url}?v=${project.revision}`;
        el.referenceThumb.dataset.src = tag;
      }
      el.referenceSize.textContent = `${project.reference.width}×${project.reference.height}`;
      el.transferGlobal.checked = project.transferGlobal;
    }
    this.showRegionMode(state.regionMode);
    const canPaint = painting(state);
    // The painted region (outline, fill) is shown only while it applies.
    el.photo.dataset.region = canPaint ? "on" : "off";
    el.clearRegion.disabled = !state.maskKey;
    el.regionNote.classList.toggle("warning", canPaint && !state.maskKey);
    el.regionNote.textContent = !hasReference
      ? ""
      : state.regionMode === "whole"
        ? "The reference colours the whole photo; your hints win where they are."
        : state.maskKey
          ? "The reference colours the painted area (outlined on the photo); the rest follows your hints."
          : "Nothing painted yet, so the reference colours nothing. Paint the area it should colour with the brush.";
  }

  /** The tools by the photo: the region brush while painting, the repair brush while repairing. */
  renderTools() {
    const { state, el } = this.app;
    const canPaint = painting(state);
    const repairing = Boolean(state.project.repair);
    el.stageTools.hidden = !canPaint && !repairing;
    for (const node of el.regionOnly) node.hidden = !canPaint;
    for (const node of el.repairOnly) node.hidden = !repairing;
    this.app.reference.keepToolApplicable();
    this.showTool(state.tool);
  }

  showRegionMode(mode) {
    pressed(this.app.el.regionModeButtons, (b) => b.dataset.mode === mode);
  }

  showTool(tool) {
    pressed(this.app.el.toolButtons, (b) => b.dataset.tool === tool);
  }

  updateButtons() {
    const { history, el } = this.app;
    el.undo.disabled = !history.canUndo;
    el.redo.disabled = !history.canRedo;
    el.undo.title = history.canUndo ? `Undo ${history.undoLabel} (Ctrl+Z)` : "Undo (Ctrl+Z)";
    el.redo.title = history.canRedo ? `Redo ${history.redoLabel} (Ctrl+Y)` : "Redo (Ctrl+Y)";
  }
}
