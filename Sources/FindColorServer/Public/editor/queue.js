// Serialised changes: every change goes to the server in the order it was made, one at a time.

import { stillOpen } from "./state.js";

export class SerialQueue {
  constructor() {
    this.chain = Promise.resolve();
  }

  /** Runs `task` after every task queued before it; resolves or rejects with its outcome. */
  enqueue(task) {
    const run = this.chain.then(task);
    this.chain = run.catch(() => {});
    return run;
  }

  /**
   * Queues `task(project)` for the open project: nothing when none is open, skipped when another
   * one is open by its turn (after its own awaits, `task` checks `stillOpen` itself).
   */
  forOpenProject(state, task) {
    const project = state.project;
    if (project) this.enqueue(() => (stillOpen(state, project) ? task(project) : undefined));
  }
}
