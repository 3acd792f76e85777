// Which project is open: the start screen and the editor, uploading a photo as a new project,
// opening and closing a project, and the address (#/p/<id>) that reopens it after a reload.

import { projects } from "../api.js";
import { showError, toast } from "../toast.js";
import { checkPhotoFile, choosePhotoWith } from "./photo-file.js";
import { EMPTY_REGION, stillOpen } from "./state.js";

const PROJECT_ROUTE = /^#\/p\/([0-9a-f-]{36})$/i;

export class Session {
  constructor(app) {
    this.app = app;
  }

  bind() {
    const { el } = this.app;
    choosePhotoWith(el.fileInput, [el.chooseFile, el.newPhoto], (file) => this.upload(file));
    el.projects.addEventListener("click", () => this.close());
    window.addEventListener("hashchange", () => this.route());
    window.addEventListener("pagehide", () => this.app.saving.flush());
  }

  showView(view) {
    const { el } = this.app;
    document.body.dataset.view = view;
    el.home.hidden = view !== "home";
    el.editor.hidden = view !== "editor";
    for (const node of el.editorOnly) node.hidden = view !== "editor";
  }

  /** Follows the address: a project's editor, or the start screen. */
  route() {
    const { state, home } = this.app;
    const match = PROJECT_ROUTE.exec(location.hash);
    if (match) {
      if (state.project?.id !== match[1].toLowerCase()) this.open(match[1].toLowerCase());
    } else if (state.project) {
      this.close();
    } else {
      this.showView("home");
      home.refresh();
    }
  }

  async upload(file) {
    const { status, render } = this.app;
    if (!checkPhotoFile(file)) return;
    status.set(`Uploading ${file.name}…`, true);
    try {
      const project = await projects.create(file);
      await this.open(project.id);
      toast(`“${project.name}” is ready — click the photo to add colour hints.`);
    } catch (error) {
      render.restoreStatus();
      showError(error, "Could not open the photo");
    }
  }

  close() {
    const { state, history, saving, home, status } = this.app;
    saving.flush();
    state.project = null;
    state.hints = [];
    state.selectedId = null;
    history.reset(null);
    this.showView("home");
    window.history.replaceState(null, "", "#/");
    home.refresh();
    status.set("Ready");
  }

  async open(id) {
    const app = this.app;
    const { state, history, stage, picker, status } = app;
    if (state.project && state.project.id !== id) app.saving.flush();
    status.set("Opening…", true);
    let project;
    try {
      project = await projects.get(id);
    } catch (error) {
      showError(error, "Could not open the project");
      this.close();
      return;
    }
    state.project = project;
    state.hints = project.hints;
    state.selectedId = null;
    state.point = null;
    state.version++;
    app.hints.disarm();
    history.reset(project.id);
    window.history.replaceState(null, "", `#/p/${project.id}`);
    this.showView("editor");
    picker.showSuggestions(null, "Click the photo to see the colours the model expects there.");
    app.repair.open(project);
    try {
      await stage.load(project);
    } catch (error) {
      showError(error, "Could not show the photo");
    }
    app.hints.resetSize(project);
    await app.undo.open(project);
    if (!stillOpen(state, project)) return;
    state.serverRegion = project.hasRegion ? state.maskKey ?? EMPTY_REGION : null;
    app.reference.setTool("hints");
    stage.setHints(state.hints, null);
    // Open the before/after split where it shows the colour of every hint and of the painted region.
    const bounds = stage.maskBounds();
    if (bounds) stage.reveal(bounds.minX);
    for (const hint of state.hints) stage.reveal(hint.x);
    app.panels.render();
    app.render.schedule(0);
  }
}
