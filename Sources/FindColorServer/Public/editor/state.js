// The one app state object: what the editor shows and what the server holds for the open project.
// Every module reads and writes this object (passed as `app.state`); nothing else is shared.

/** The server's region when it holds a mask with nothing painted (the reference then colours nothing). */
export const EMPTY_REGION = "empty";

export function createState() {
  return {
    project: null, // the open project as the server last described it
    hints: [], // its hints, as the server holds them
    selectedId: null,
    // How far new hints reach ("similar" or "local"); the selected hint's own setting is shown instead.
    spread: "similar",
    point: null, // [x, y] of the last picked pixel (for suggestions)
    version: 0, // bumped by every change of what the picture depends on
    regionMode: "whole",
    tool: "hints",
    referenceKey: null, // the history's key of the reference photo the server holds
    maskKey: null, // the history's key of the painted mask on the stage (null: nothing painted)
    serverRegion: null, // the region the server holds: null (none), EMPTY_REGION or a mask key
    armedColour: null, // a colour picked while no hint was selected: the next hint takes it
    maskGeneration: 0, // bumped whenever the history puts back another mask
  };
}

/** True when the region brush applies: a reference photo and the "Painted region" mode. */
export function painting(state) {
  return Boolean(state.project?.hasReference) && state.regionMode === "region";
}

/** The tools of the repair mask (they apply while the project's repair is on). */
export const REPAIR_TOOLS = ["repair-add", "repair-erase"];

/** True when `tool` can be used now: the hints always, the region brush while painting, the repair brush while repairing. */
export function toolApplies(state, tool) {
  if (REPAIR_TOOLS.includes(tool)) return Boolean(state.project?.repair);
  return tool === "hints" || painting(state);
}

/** The selected hint, or undefined. */
export function selectedHint(state) {
  return state.hints.find((h) => h.id === state.selectedId);
}

/** True while `project` is still the open one (an awaited step checks this before it goes on). */
export function stillOpen(state, project) {
  return Boolean(project) && state.project?.id === project.id;
}
