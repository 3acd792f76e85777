// Undo/redo of the hint list. Each entry is a whole hint list ({id, x, y, size, ab, spread}); undoing
// sends the previous list to the server with PUT /hints (ids kept), which is always consistent.

const LIMIT = 200;

export class HintHistory {
  constructor(onChange) {
    this.undoStack = [];
    this.redoStack = [];
    this.onChange = onChange || (() => {});
  }

  static copy(hints) {
    return hints.map((h) => ({ id: h.id, x: h.x, y: h.y, size: h.size, ab: [h.ab[0], h.ab[1]], spread: h.spread ?? "similar" }));
  }

  /** Records the list as it was before a change. */
  record(hintsBefore) {
    this.undoStack.push(HintHistory.copy(hintsBefore));
    if (this.undoStack.length > LIMIT) this.undoStack.shift();
    this.redoStack = [];
    this.onChange();
  }

  /** Drops the last record (when the change it was taken for failed). */
  discardLast() {
    this.undoStack.pop();
    this.onChange();
  }

  reset() {
    this.undoStack = [];
    this.redoStack = [];
    this.onChange();
  }

  get canUndo() {
    return this.undoStack.length > 0;
  }

  get canRedo() {
    return this.redoStack.length > 0;
  }

  /** The list to restore for an undo, given the current one (null when nothing to undo). */
  undo(current) {
    if (!this.canUndo) return null;
    this.redoStack.push(HintHistory.copy(current));
    const target = this.undoStack.pop();
    this.onChange();
    return target;
  }

  redo(current) {
    if (!this.canRedo) return null;
    this.undoStack.push(HintHistory.copy(current));
    const target = this.redoStack.pop();
    this.onChange();
    return target;
  }

  /** Puts back an undo/redo step whose PUT failed. */
  revert(kind, current, target) {
    if (kind === "undo") {
      this.redoStack.pop();
      this.undoStack.push(target);
    } else {
      this.undoStack.pop();
      this.redoStack.push(target);
    }
    this.onChange();
  }
}
