// Saving: the painted region goes to the server (debounced while painting), then the undo history
// goes to IndexedDB with the revision the server reports for that state. Leaving a project (or the
// page) flushes both at once.

import { projects } from "../api.js";
import { EditHistory } from "../history.js";
import { showError } from "../toast.js";
import { EMPTY_REGION, stillOpen } from "./state.js";

const REGION_UPLOAD_DELAY_MS = 350;
const HISTORY_SAVE_DELAY_MS = 300;

export class Saving {
  constructor(app) {
    this.app = app;
    this.regionTimer = null;
    this.saveTimer = null;
  }

  /** The region the server should hold: none, an empty one, or the painted mask's key. */
  desiredRegion() {
    const { state } = this.app;
    return state.regionMode === "region" ? state.maskKey ?? EMPTY_REGION : null;
  }

  /** Sends the region to the server if it differs from what the server holds; true when it changed. */
  async syncRegion() {
    const { state, stage, status } = this.app;
    const project = state.project;
    const desired = this.desiredRegion();
    if (!project || desired === state.serverRegion) return false;
    let updated;
    if (desired === null) {
      updated = await projects.removeRegion(project.id);
    } else {
      status.set("Saving the region…", true);
      updated = await projects.setRegion(project.id, await stage.maskPNG());
    }
    if (!stillOpen(state, project)) return false;
    state.serverRegion = desired;
    state.project = updated;
    return true;
  }

  /** The region is sent by the caller now: the debounced upload is not needed. */
  cancelRegionUpload() {
    clearTimeout(this.regionTimer);
    this.regionTimer = null;
  }

  /** Uploads the region soon (painting strokes in a row upload once), then saves the history. */
  scheduleRegionSync() {
    const { state, queue, render } = this.app;
    clearTimeout(this.regionTimer);
    this.regionTimer = setTimeout(() => {
      this.regionTimer = null;
      queue.forOpenProject(state, async () => {
        try {
          if (await this.syncRegion()) this.app.changed();
          else render.restoreStatus();
        } catch (error) {
          render.restoreStatus();
          showError(error, "Region");
          return;
        }
        this.scheduleSave(0);
      });
    }, REGION_UPLOAD_DELAY_MS);
  }

  scheduleSave(delay = HISTORY_SAVE_DELAY_MS) {
    const { state, queue, history } = this.app;
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      if (this.regionTimer) return; // the region upload saves afterwards
      queue.forOpenProject(state, async (project) => {
        if (this.regionTimer) return;
        try {
          const fresh = await projects.get(project.id);
          if (!stillOpen(state, project)) return;
          state.project.revision = fresh.revision;
          state.project.stateHash = fresh.stateHash;
          await history.save(fresh.revision);
        } catch (error) {
          console.warn("the undo history was not saved", error);
        }
      });
    }, delay);
  }

  /** Leaving a project: sends a region still waiting to be uploaded and saves the history now. */
  flush() {
    const { state, stage, history, queue, repair } = this.app;
    const project = state.project;
    repair.flush();
    if (!project || (!this.regionTimer && !this.saveTimer)) return;
    clearTimeout(this.regionTimer);
    clearTimeout(this.saveTimer);
    this.regionTimer = this.saveTimer = null;
    const desired = this.desiredRegion();
    const regionChanged = desired !== state.serverRegion;
    const png = regionChanged && desired !== null ? stage.maskPNG() : null;
    const saved = history.capture();
    queue.enqueue(async () => {
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
}
