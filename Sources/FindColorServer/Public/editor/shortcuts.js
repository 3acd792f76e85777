// Keyboard shortcuts. Undo and redo go to the one history whatever the tool; typing in a field
// keeps the field's own undo. Delete removes the selected hint, Escape leaves the brush or the
// selection, B / E / H pick the brush, the eraser or the hints tool while the region applies, M / U
// / H the repair brush's "Mark damage", "Unmark" or the hints tool while the repair is on.

import { painting } from "./state.js";

export function bindShortcuts(app) {
  const { state } = app;
  window.addEventListener("keydown", (event) => {
    const typing = event.target.matches?.("input, textarea, select") && event.target.type !== "range" && event.target.type !== "checkbox";
    const key = event.key.toLowerCase();
    if ((event.ctrlKey || event.metaKey) && !event.altKey) {
      if (typing || !state.project) return;
      if (key === "z" && !event.shiftKey) {
        event.preventDefault();
        app.undo.step(-1);
      } else if (key === "y" || (key === "z" && event.shiftKey)) {
        event.preventDefault();
        app.undo.step(+1);
      }
      return;
    }
    if (typing || !state.project || event.altKey) return;
    if ((event.key === "Delete" || event.key === "Backspace") && state.selectedId && state.tool === "hints") {
      event.preventDefault();
      app.hints.remove(state.selectedId);
    } else if (event.key === "Escape") {
      if (state.tool !== "hints") app.reference.setTool("hints");
      else app.hints.deselect();
    } else if (painting(state) && (key === "b" || key === "e" || key === "h")) {
      app.reference.setTool(key === "b" ? "brush" : key === "e" ? "eraser" : "hints");
    } else if (state.project.repair && (key === "m" || key === "u" || key === "h")) {
      app.reference.setTool(key === "m" ? "repair-add" : key === "u" ? "repair-erase" : "hints");
    }
  });
}
