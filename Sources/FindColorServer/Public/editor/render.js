// The render controller: after a change, a preview (debounced, one network pass at a small size),
// then, once the preview shows the current state, the full-resolution result. Both go through
// LatestOnly, so at most one preview and one full render are in flight and a burst of changes
// costs one more render, not one per change. While a hint is dragged the controller is held:
// previews only, no full render until the drag ends.

import { projects } from "../api.js";
import { showError } from "../toast.js";
import { LatestOnly } from "./latest.js";

const PREVIEW_DELAY_MS = 220;

export class RenderController {
  constructor(app) {
    this.app = app;
    this.timer = null;
    this.held = false;
    this.previewVersion = -1; // the state version whose preview was shown last
    this.resultVersion = -1; // the state version whose full-resolution result is shown
    this.preview = new LatestOnly(() => this.runPreview());
    this.result = new LatestOnly(() => this.runResult());
  }

  /** Something the picture depends on changed: a preview after `delay`, then the full render. */
  schedule(delay = PREVIEW_DELAY_MS) {
    clearTimeout(this.timer);
    this.app.status.set("Updating preview…", true);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.preview.request();
    }, delay);
  }

  /** A preview of the state as it is now, without the delay; resolves once it is shown (or failed). */
  previewNow() {
    clearTimeout(this.timer);
    this.timer = null;
    return this.preview.request();
  }

  /** While held (a hint is being dragged) only previews are made; releasing does not render by itself. */
  hold(held) {
    this.held = held;
  }

  /** True when the shown picture is the full-resolution result of the current state. */
  get upToDate() {
    return this.resultVersion === this.app.state.version;
  }

  /** The status for the current state, after something that set another one ended (or failed). */
  restoreStatus() {
    const status = this.app.status;
    if (!this.app.state.project) status.set("Ready");
    else if (this.timer || this.preview.busy) status.set("Updating preview…", true);
    else if (this.result.busy) status.set("Rendering full resolution…", true);
    else if (this.upToDate) status.set("Up to date");
    else status.set("Preview shown");
  }

  async runPreview() {
    const { state, stage, status } = this.app;
    const project = state.project;
    if (!project) return;
    const version = state.version;
    status.set("Updating preview…", true);
    try {
      const { blob } = await projects.preview(project.id);
      if (state.project?.id !== project.id) return;
      stage.setColorImage(URL.createObjectURL(blob));
      this.previewVersion = version;
    } catch (error) {
      status.set("Preview failed");
      showError(error, "Preview");
      return;
    }
    if (version !== state.version) {
      // Changed meanwhile: a newer preview is due (the timer's, or one more run now).
      if (!this.timer) this.preview.request();
      return;
    }
    if (this.held || this.timer || this.preview.again) {
      this.restoreStatus();
      return;
    }
    this.result.request();
  }

  async runResult() {
    const { state, stage, status, el } = this.app;
    const project = state.project;
    // Not before the preview of the current state is shown: that preview asks for the full render.
    if (!project || this.held || this.previewVersion !== state.version || this.upToDate) return;
    const version = state.version;
    status.set("Rendering full resolution…", true);
    el.renderIndicator.hidden = false;
    try {
      const { blob } = await projects.result(project.id, "png");
      if (state.project?.id === project.id && version === state.version) {
        stage.setColorImage(URL.createObjectURL(blob));
        this.resultVersion = version;
        status.set("Up to date");
      } else {
        this.restoreStatus();
      }
    } catch (error) {
      status.set("Full-resolution render failed");
      showError(error, "Result");
    } finally {
      el.renderIndicator.hidden = true;
    }
  }
}
