// Live hint edits: while a hint is dragged on the photo (or recoloured in the colour plane), its
// intermediate states are sent to the server and previewed, one step at a time. A step is the
// hint's PATCH followed by a preview of it; while one is in flight, newer states only replace the
// pending one, so when it returns just the newest state is sent and nothing stale is queued. The
// full render waits until the edit ends (see HintEditor.change, which also records the one undo entry).

import { projects } from "../api.js";
import { showError } from "../toast.js";
import { LatestOnly } from "./latest.js";
import { stillOpen } from "./state.js";

export class LiveHintEdit {
  constructor(app) {
    this.app = app;
    this.next = null; // { id, changes }: the newest state not sent yet
    this.steps = new LatestOnly(() => this.step());
  }

  /** The hint `id` is being edited to `changes` (e.g. { x, y } or { ab }). */
  update(id, changes) {
    this.next = { id, changes };
    this.app.render.hold(true);
    this.steps.request();
  }

  /** The edit ended: nothing pending is sent any more; resolves once the step in flight has ended. */
  async finish() {
    this.next = null;
    await this.steps.idle();
    this.app.render.hold(false);
  }

  async step() {
    const next = this.next;
    this.next = null;
    if (!next) return;
    const { state, queue, render } = this.app;
    const project = state.project;
    const sent = await queue.enqueue(async () => {
      const hint = state.hints.find((h) => h.id === next.id);
      if (!stillOpen(state, project) || !hint) return false;
      try {
        const updated = await projects.updateHint(project.id, next.id, next.changes);
        if (!stillOpen(state, project)) return false;
        state.hints = state.hints.map((h) => (h.id === next.id ? updated : h));
        state.version++;
        return true;
      } catch (error) {
        showError(error, "Could not update the hint");
        return false;
      }
    });
    if (sent) await render.previewNow();
  }
}
