// Colour hints: adding (the colour picked beforehand, else the model's top suggestion), selecting,
// moving, recolouring, resizing, the reach toggle, deleting and clearing; the model's suggestions
// at the picked point. Drags (on the photo or in the colour plane) are previewed live (live.js) and
// recorded as one undo entry when they end.

import { projects } from "../api.js";
import { showError } from "../toast.js";
import { LiveHintEdit } from "./live.js";
import { selectedHint, stillOpen } from "./state.js";

/** True when `hint` already has every value in `changes`. */
function hasValues(hint, changes) {
  return Object.entries(changes).every(([key, value]) =>
    Array.isArray(value) ? value.every((v, i) => Math.abs(hint[key][i] - v) < 0.05) : (hint[key] ?? "similar") === value);
}

export class HintEditor {
  constructor(app) {
    this.app = app;
    this.live = new LiveHintEdit(app);
    this.suggestToken = 0;
  }

  bind() {
    const { el, state } = this.app;
    el.hintSize.addEventListener("input", () => this.sizeChanged(false));
    el.hintSize.addEventListener("change", () => this.sizeChanged(true));
    for (const button of el.spreadButtons) {
      button.addEventListener("click", () => this.spreadChosen(button.dataset.spread));
    }
    el.deleteHint.addEventListener("click", () => {
      if (state.selectedId) this.remove(state.selectedId);
    });
    el.clearHints.addEventListener("click", () => this.clear());
  }

  get size() {
    return Number(this.app.el.hintSize.value);
  }

  /** A project was opened: the hint size follows the photo's size. */
  resetSize(project) {
    const input = this.app.el.hintSize;
    const shortSide = Math.min(project.width, project.height);
    input.max = String(Math.max(8, Math.min(128, Math.round(shortSide / 6))));
    input.value = String(Math.max(2, Math.min(16, Math.round(shortSide / 100))));
    this.sizeChanged(false);
  }

  // MARK: Selection and suggestions

  select(id) {
    const { state, stage, picker, el } = this.app;
    state.selectedId = id;
    const hint = state.hints.find((h) => h.id === id);
    stage.setHints(state.hints, id);
    if (!hint) return;
    this.disarm();
    el.hintSize.value = String(hint.size);
    this.sizeChanged(false);
    picker.setColor(hint.ab);
    this.pickPoint(hint.x + hint.size / 2, hint.y + hint.size / 2, hint.size);
    this.app.panels.render();
  }

  deselect() {
    const { state, stage } = this.app;
    state.selectedId = null;
    stage.setHints(state.hints, null);
    this.app.panels.render();
  }

  /**
   * Shows the picker at the lightness of pixel (px, py) and asks the model for suggestions there;
   * resolves to the suggestions (most likely first), or null.
   */
  async pickPoint(px, py, size = 1) {
    const { state, stage, picker } = this.app;
    const project = state.project;
    if (!project) return null;
    const x = Math.min(project.width - 1, Math.max(0, Math.floor(px)));
    const y = Math.min(project.height - 1, Math.max(0, Math.floor(py)));
    state.point = [x, y];
    picker.setLightness(stage.lightnessAt(x - size / 2, y - size / 2, size));
    const token = ++this.suggestToken;
    picker.showSuggestions(null, "Asking the model…");
    try {
      const result = await projects.suggest(project.id, x, y, 8);
      if (token === this.suggestToken && stillOpen(state, project)) {
        picker.showSuggestions(result.suggestions, `Most likely colours at (${x}, ${y})`);
      }
      return result.suggestions;
    } catch (error) {
      if (token === this.suggestToken) {
        picker.showSuggestions(null, "");
        showError(error, "Suggestions");
      }
      return null;
    }
  }

  // MARK: Edits

  /** A new hint: the colour picked for it beforehand, else the model's most likely colour there. */
  add(px, py) {
    const { state, stage, picker, queue } = this.app;
    if (!state.project) return;
    const [x, y, size] = stage.patchAt(px, py, this.size);
    const armed = state.armedColour;
    this.disarm();
    const suggestions = this.pickPoint(px, py, size);
    stage.reveal(x);
    queue.forOpenProject(state, async (project) => {
      let ab = armed;
      if (!ab) {
        const list = await suggestions;
        ab = list && list.length ? [list[0].a, list[0].b] : [picker.ab[0], picker.ab[1]];
      }
      try {
        const hint = await projects.addHint(project.id, { x, y, size, ab, spread: state.spread });
        if (!stillOpen(state, project)) return;
        state.hints = [...state.hints, hint];
        state.selectedId = hint.id;
        picker.setColor(hint.ab);
        this.app.undo.record("add a hint");
        this.app.changed();
      } catch (error) {
        showError(error, "Could not add the hint");
      }
    });
  }

  /**
   * Changes a hint on the server (unless a live step already sent these values) and records the
   * change as one undo entry.
   */
  change(id, changes, what, coalesce = false) {
    const { state, stage, queue } = this.app;
    queue.forOpenProject(state, async (project) => {
      const hint = state.hints.find((h) => h.id === id);
      if (!hint) return;
      try {
        const send = !hasValues(hint, changes);
        if (send) {
          const updated = await projects.updateHint(project.id, id, changes);
          if (!stillOpen(state, project)) return;
          state.hints = state.hints.map((h) => (h.id === id ? updated : h));
        }
        state.selectedId = id;
        const recorded = this.app.undo.record(what, coalesce);
        // Also after live steps that ended where they started: the full render is still due.
        if (send || recorded || !this.app.render.upToDate) this.app.changed();
        else this.app.panels.render();
      } catch (error) {
        stage.setHints(state.hints, state.selectedId);
        showError(error, `Could not ${what}`);
      }
    });
  }

  /** A hint is being dragged on the photo: previewed live, at most one step in flight. */
  dragged(id, x, y) {
    this.live.update(id, { x, y });
  }

  /** The drag ended at (x, y) (possibly where it started). */
  async dropped(id, x, y) {
    await this.live.finish();
    this.change(id, { x, y }, "move the hint");
  }

  remove(id) {
    const { state, queue } = this.app;
    queue.forOpenProject(state, async (project) => {
      if (!state.hints.some((h) => h.id === id)) return;
      try {
        await projects.deleteHint(project.id, id);
        if (!stillOpen(state, project)) return;
        state.hints = state.hints.filter((h) => h.id !== id);
        if (state.selectedId === id) state.selectedId = null;
        this.app.undo.record("delete the hint");
        this.app.changed();
      } catch (error) {
        showError(error, "Could not delete the hint");
      }
    });
  }

  clear() {
    const { state, queue } = this.app;
    queue.forOpenProject(state, async (project) => {
      if (state.hints.length === 0) return;
      try {
        const result = await projects.replaceHints(project.id, []);
        if (!stillOpen(state, project)) return;
        state.hints = result.hints;
        state.selectedId = null;
        this.app.undo.record("clear the hints");
        this.app.changed();
      } catch (error) {
        showError(error, "Could not clear the hints");
      }
    });
  }

  // MARK: Colour, reach and size

  /** The picker's colour changed; `commit` is false while dragging in the colour plane. */
  async colourPicked(ab, commit) {
    const { state, stage } = this.app;
    const hint = selectedHint(state);
    if (!hint) {
      // No hint selected: the colour is for the next hint.
      if (commit) this.arm([ab[0], ab[1]]);
      return;
    }
    if (!commit) {
      // Shown on the marker at once; the server and the preview follow, newest colour only.
      stage.setHints(state.hints.map((h) => (h.id === hint.id ? { ...h, ab } : h)), hint.id);
      this.live.update(hint.id, { ab: [ab[0], ab[1]] });
      return;
    }
    await this.live.finish();
    this.change(hint.id, { ab: [ab[0], ab[1]] }, "recolour the hint");
  }

  arm(ab) {
    this.app.state.armedColour = ab;
    this.app.el.swatch.classList.toggle("armed", Boolean(ab));
  }

  disarm() {
    this.arm(null);
  }

  /** The reach control: changes the selected hint's spread, or that of the hints to come. */
  spreadChosen(spread) {
    const { state } = this.app;
    state.spread = spread;
    const hint = selectedHint(state);
    if (hint && (hint.spread ?? "similar") !== spread) this.change(hint.id, { spread }, "change how far the hint reaches");
    this.app.panels.render();
  }

  sizeChanged(commit) {
    const { state, stage, el } = this.app;
    const size = this.size;
    el.hintSizeValue.textContent = `${size} px`;
    stage.hintSize = size;
    if (!commit) return;
    const hint = selectedHint(state);
    if (!hint || hint.size === size) return;
    const [x, y, s] = stage.patchAt(hint.x + hint.size / 2, hint.y + hint.size / 2, size);
    this.change(hint.id, { x, y, size: s }, "resize the hint", true);
  }
}
