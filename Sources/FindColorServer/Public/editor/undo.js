// The undo history of the open project (history.js keeps the entries and stores them in IndexedDB):
// recording an edit, undo and redo (the server and the stage are brought to the entry's state,
// changing only what differs), and restoring a saved history when a project is reopened.

import { projects } from "../api.js";
import { EditHistory, makeSnapshot, sameHints } from "../history.js";
import { showError } from "../toast.js";
import { stillOpen } from "./state.js";

const SETTINGS = ["name", "preset", "vividness", "transferGlobal", "repair", "repairDenoise", "repairFade"];
/** What a setting is in entries saved before it existed (the server's default). */
const SETTING_DEFAULTS = { repair: false, repairDenoise: 0, repairFade: true };
const setting = (entry, key) => entry[key] ?? SETTING_DEFAULTS[key];

/** True when two history entries hold the same document. */
function sameDocument(a, b) {
  return Boolean(a && b) && SETTINGS.every((key) => setting(a, key) === setting(b, key)) && a.reference === b.reference
    && a.regionMode === b.regionMode && a.mask === b.mask && sameHints(a.hints, b.hints);
}

/** True when a saved history's current entry is what the server holds. */
function matchesServer(entry, project) {
  return SETTINGS.every((key) => setting(entry, key) === project[key]) && Boolean(entry.reference) === project.hasReference
    && (entry.regionMode === "region") === project.hasRegion && sameHints(entry.hints, project.hints);
}

export class UndoController {
  constructor(app) {
    this.app = app;
  }

  /** The document as it is now (what an undo history entry holds). */
  currentDoc() {
    const { state } = this.app;
    const p = state.project;
    return makeSnapshot({
      hints: state.hints,
      name: p.name,
      preset: p.preset,
      vividness: p.vividness,
      transferGlobal: p.transferGlobal,
      repair: p.repair,
      repairDenoise: p.repairDenoise,
      repairFade: p.repairFade,
      reference: p.hasReference ? state.referenceKey : null,
      regionMode: state.regionMode,
      mask: state.maskKey,
    });
  }

  /**
   * Records the state after an edit and saves the history soon (see EditHistory.push for
   * `coalesce`); false when the document is what the current entry already holds.
   */
  record(label, coalesce = false) {
    const { state, history, saving } = this.app;
    if (!state.project) return false;
    const doc = this.currentDoc();
    if (sameDocument(history.current, doc)) return false;
    history.push(doc, label, coalesce);
    saving.scheduleSave();
    return true;
  }

  /** Undo (delta -1) or redo (+1), after the changes queued before it. */
  step(delta) {
    const { state, history, queue, status, saving } = this.app;
    queue.forOpenProject(state, async (project) => {
      const target = history.peek(delta);
      if (!target) return;
      const what = delta < 0 ? "undo" : "redo";
      const label = delta < 0 ? history.undoLabel : history.redoLabel;
      status.set(`${delta < 0 ? "Undoing" : "Redoing"} ${label}…`, true);
      try {
        await this.apply(target);
        history.move(delta);
      } catch (error) {
        showError(error, `Could not ${what} ${label}`);
        await this.reread();
      }
      if (!stillOpen(state, project)) return;
      this.app.changed();
      saving.scheduleSave();
    });
  }

  /** Makes the server and the stage hold `target`, changing only what differs. */
  async apply(target) {
    const { state, history, stage, saving, reference } = this.app;
    const id = state.project.id;
    const settings = {};
    for (const key of SETTINGS) {
      if (setting(target, key) !== state.project[key]) settings[key] = setting(target, key);
    }
    if (Object.keys(settings).length) state.project = await projects.settings(id, settings);

    if (!sameHints(target.hints, state.hints)) {
      const result = await projects.replaceHints(id, target.hints);
      state.hints = result.hints;
      if (!state.hints.some((h) => h.id === state.selectedId)) state.selectedId = null;
    }

    const held = state.project.hasReference ? state.referenceKey : null;
    if (target.reference !== held) {
      if (held) await this.keepReference(held);
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
    saving.cancelRegionUpload();
    await saving.syncRegion();
    reference.keepToolApplicable();
  }

  /** Fetches the reference photo the server holds so that an undo can put it back after a change. */
  async keepReference(key) {
    const { state, history } = this.app;
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
  async reread() {
    const { state } = this.app;
    const project = state.project;
    if (!project) return;
    try {
      const fresh = await projects.get(project.id);
      if (!stillOpen(state, project)) return;
      state.project = fresh;
      state.hints = fresh.hints;
      if (!state.hints.some((h) => h.id === state.selectedId)) state.selectedId = null;
    } catch (error) {
      console.warn("the project could not be read again", error);
    }
  }

  /**
   * A project was opened: its undo history of an earlier session if the project has not changed
   * since, else a new history that starts with what the server holds (its region mask included).
   */
  async open(project) {
    const { state, history, stage } = this.app;
    const saved = await EditHistory.load(project.id, project.revision);
    if (!stillOpen(state, project)) return;
    const entry = saved?.states[saved.index];
    if (entry && matchesServer(entry, project) && (!entry.mask || saved.files.get(entry.mask))) {
      history.restore(project.id, saved);
      state.regionMode = entry.regionMode;
      state.referenceKey = entry.reference;
      state.maskKey = entry.mask;
      await stage.restoreMask(entry.mask ? saved.files.get(entry.mask) : null);
      return;
    }
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
    history.begin(this.currentDoc());
  }
}
