// The project's settings: its name, the quality preset, the vividness and the reference's global
// colour matching. Each change is one undo entry (a slider stepped with the keys coalesces into one).

import { projects } from "../api.js";
import { showError } from "../toast.js";
import { stillOpen } from "./state.js";

export class SettingsEditor {
  constructor(app) {
    this.app = app;
  }

  bind() {
    const { el, state } = this.app;
    el.projectName.addEventListener("change", (event) => {
      const name = event.target.value.trim();
      if (name && name !== state.project?.name) this.update({ name }, "rename the project");
    });
    el.projectName.addEventListener("keydown", (event) => {
      if (event.key === "Enter") event.target.blur();
    });
    for (const button of el.presetButtons) {
      button.addEventListener("click", () => {
        if (state.project && button.dataset.preset !== state.project.preset) {
          this.update({ preset: button.dataset.preset }, "change the quality preset");
        }
      });
    }
    el.vividness.addEventListener("input", (event) => {
      el.vividnessValue.textContent = Number(event.target.value).toFixed(2);
    });
    el.vividness.addEventListener("change", (event) => {
      const vividness = Number(event.target.value);
      if (state.project && vividness !== state.project.vividness) this.update({ vividness }, "change the vividness", true);
    });
    el.transferGlobal.addEventListener("change", (event) => {
      this.update({ transferGlobal: event.target.checked }, "change the colour matching");
    });
  }

  update(changes, what, coalesce = false) {
    const { state, queue, undo, panels } = this.app;
    queue.forOpenProject(state, async (project) => {
      try {
        const updated = await projects.settings(project.id, changes);
        if (!stillOpen(state, project)) return;
        const pictureChanged = updated.stateHash !== state.project.stateHash;
        state.project = updated;
        undo.record(what, coalesce);
        if (pictureChanged) this.app.changed();
        else panels.render();
      } catch (error) {
        panels.render();
        showError(error, `Could not ${what}`);
      }
    });
  }
}
