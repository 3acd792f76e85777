// Repair before colour (issue 15): the "Repair damage" switch with its denoise strength and fade
// correction (project settings, each change one undo entry through SettingsEditor), the overlay of
// the damage the detector found, and the brush that corrects it. The corrections are saved to the
// project after each stroke (debounced) and the picture is rendered again; they are not undo
// entries: "Reset edits" forgets them.

import { projects } from "../api.js";
import { showError } from "../toast.js";
import { stillOpen } from "./state.js";

const EDITS_UPLOAD_DELAY_MS = 400;

export class RepairEditor {
  constructor(app, layer) {
    this.app = app;
    this.layer = layer;
    this.loaded = null; // the project id whose detected mask and edits the layer shows
    this.loading = null;
    this.failed = null; // why the masks could not be loaded (not tried again until the project is reopened)
    this.uploadTimer = null;
  }

  bind() {
    const { el, settings } = this.app;
    el.repair.addEventListener("change", (event) => {
      const on = event.target.checked;
      settings.update({ repair: on }, on ? "turn the repair on" : "turn the repair off");
    });
    el.repairDenoise.addEventListener("input", (event) => {
      el.repairDenoiseValue.textContent = Number(event.target.value).toFixed(2);
    });
    el.repairDenoise.addEventListener("change", (event) => {
      const repairDenoise = Number(event.target.value);
      if (this.app.state.project?.repairDenoise !== repairDenoise) settings.update({ repairDenoise }, "change the denoise strength", true);
    });
    el.repairFade.addEventListener("change", (event) => {
      settings.update({ repairFade: event.target.checked }, "change the fade correction");
    });
    el.repairOverlay.addEventListener("change", () => this.render());
    el.repairMark.addEventListener("click", () => {
      const { state, reference } = this.app;
      reference.setTool(state.tool === "repair-add" || state.tool === "repair-erase" ? "hints" : "repair-add");
    });
    el.repairReset.addEventListener("click", () => {
      if (!this.layer.hasEdits() && !this.app.state.project?.hasRepairMask) return;
      this.layer.clearEdits();
      this.scheduleUpload(0);
    });
  }

  /** A project was opened: the layer is sized for its photo; its masks load once the repair is on. */
  open(project) {
    clearTimeout(this.uploadTimer);
    this.uploadTimer = null;
    this.layer.reset(project.width, project.height);
    this.loaded = null;
    this.loading = null;
    this.failed = null;
  }

  /** Shows the panel and the overlay as the project is; loads the masks the first time they are shown. */
  render() {
    const { state, el } = this.app;
    const project = state.project;
    if (!project) return;
    const on = Boolean(project.repair);
    el.repair.checked = on;
    el.repairOptions.hidden = !on;
    if (document.activeElement !== el.repairDenoise) {
      el.repairDenoise.value = String(project.repairDenoise ?? 0);
      el.repairDenoiseValue.textContent = Number(project.repairDenoise ?? 0).toFixed(2);
    }
    el.repairFade.checked = project.repairFade !== false;
    const editing = state.tool === "repair-add" || state.tool === "repair-erase";
    el.photo.dataset.repair = on && (el.repairOverlay.checked || editing) ? "on" : "off";
    el.repairMark.textContent = editing ? "Done editing" : "Edit the mask";
    el.repairMark.setAttribute("aria-pressed", String(editing));
    el.repairReset.disabled = !this.layer.hasEdits() && !project.hasRepairMask;
    if (!on) {
      el.repairNote.textContent = "";
    } else if (this.failed) {
      el.repairNote.textContent = `The damage could not be shown: ${this.failed}`;
    } else if (this.loaded !== project.id) {
      el.repairNote.textContent = "Finding the damage…";
      this.load(project);
    } else {
      el.repairNote.textContent = this.layer.hasEdits()
        ? "The damage found, with your edits, is filled before colouring."
        : "The damage found (marked on the photo) is filled before colouring. Edit the mask to add or keep areas.";
    }
  }

  /** Fetches the detected damage (computed once per photo on the server) and the saved edits. */
  load(project) {
    if (this.loading) return;
    const { state } = this.app;
    this.loading = (async () => {
      try {
        const detected = await projects.repairDefects(project.id);
        if (!stillOpen(state, project)) return;
        const edits = state.project.hasRepairMask ? await projects.repairMask(project.id) : null;
        if (!stillOpen(state, project)) return;
        await this.layer.setDetected(detected);
        await this.layer.setEdits(edits);
        this.loaded = project.id;
      } catch (error) {
        if (!stillOpen(state, project)) return;
        this.failed = error.message;
        showError(error, "Could not find the damage");
      } finally {
        this.loading = null;
        if (stillOpen(state, project)) this.render();
      }
    })();
  }

  /** "Mark damage" (add) or "Unmark" (erase) is the tool. */
  setMode(tool) {
    this.layer.setMode(tool === "repair-erase" ? "erase" : "add");
  }

  /** Leaving the project (or the page): edits still waiting are sent now. */
  flush() {
    if (!this.uploadTimer) return;
    clearTimeout(this.uploadTimer);
    this.uploadTimer = null;
    const { state, queue } = this.app;
    const project = state.project;
    const edits = this.layer.hasEdits() ? this.layer.editsPNG() : null;
    queue.enqueue(async () => {
      try {
        if (edits) await projects.setRepairMask(project.id, await edits);
        else await projects.removeRepairMask(project.id);
      } catch (error) {
        showError(error, `Could not save the repair mask of “${project.name}”`);
      }
    });
  }

  /** A brush stroke ended: the edits go to the server soon. */
  edited() {
    this.scheduleUpload();
    this.render();
  }

  scheduleUpload(delay = EDITS_UPLOAD_DELAY_MS) {
    const { state, queue, render } = this.app;
    const project = state.project;
    clearTimeout(this.uploadTimer);
    this.uploadTimer = setTimeout(() => {
      this.uploadTimer = null;
      // Encoded now (the layer may change while the task waits behind others).
      const edits = this.layer.hasEdits() ? this.layer.editsPNG() : null;
      queue.enqueue(async () => {
        if (!stillOpen(state, project)) return;
        try {
          const updated = edits ? await projects.setRepairMask(project.id, await edits) : await projects.removeRepairMask(project.id);
          if (!stillOpen(state, project)) return;
          const changed = updated.stateHash !== state.project.stateHash;
          state.project = updated;
          if (changed) this.app.changed();
          else this.app.panels.render();
        } catch (error) {
          render.restoreStatus();
          showError(error, "Could not save the repair mask");
        }
      });
    }, delay);
  }
}
