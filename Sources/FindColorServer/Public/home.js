// The start screen: drop or choose a photo, and the list of saved projects to reopen or delete.
// Each card first shows the photo's gray thumbnail, then its latest colour result (the project's
// preview, cached by the server for the state it was last rendered in), loaded one card at a time.

import { projects } from "./api.js";
import { showError } from "./toast.js";

function formatDate(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export class Home {
  /**
   * @param el DOM elements: root, list, empty, count
   * @param on callbacks: open(id), deleted(id)
   */
  constructor(el, on) {
    this.el = el;
    this.on = on;
    this.token = 0;
    this.objectURLs = [];
  }

  async refresh() {
    let list;
    try {
      list = (await projects.list()).projects;
    } catch (error) {
      showError(error, "Could not load the projects");
      return;
    }
    this.render(list);
  }

  render(list) {
    const root = this.el.list;
    root.replaceChildren();
    for (const url of this.objectURLs) URL.revokeObjectURL(url);
    this.objectURLs = [];
    this.el.empty.hidden = list.length > 0;
    this.el.count.textContent = list.length ? `${list.length} project${list.length === 1 ? "" : "s"}` : "";
    const cards = list.map((project) => this.card(project));
    root.append(...cards);
    this.loadResults(cards, ++this.token);
  }

  /** Replaces each card's gray thumbnail by the project's latest colour result, one after another. */
  async loadResults(cards, token) {
    for (const card of cards) {
      if (token !== this.token || this.el.root.hidden) return;
      try {
        const { blob } = await projects.preview(card.dataset.id);
        if (token !== this.token) return;
        const url = URL.createObjectURL(blob);
        this.objectURLs.push(url);
        const img = card.querySelector("img");
        img.src = url;
        img.classList.add("result");
      } catch (error) {
        // The gray thumbnail stays; a project that cannot render says so when it is opened.
        console.warn(`no result for the card of ${card.dataset.id}`, error);
      }
    }
  }

  card(project) {
    const card = document.createElement("article");
    card.className = "project-card";
    card.dataset.id = project.id;

    const open = document.createElement("button");
    open.type = "button";
    open.className = "project-open";
    open.title = `Open “${project.name}”`;
    const thumb = document.createElement("img");
    thumb.src = project.thumbnail;
    thumb.alt = "";
    thumb.className = "thumbnail";
    thumb.loading = "lazy";
    const name = document.createElement("span");
    name.className = "project-name";
    name.textContent = project.name;
    const meta = document.createElement("span");
    meta.className = "project-meta";
    const hints = `${project.hintCount} hint${project.hintCount === 1 ? "" : "s"}`;
    meta.textContent = `${project.width}×${project.height} · ${hints} · ${formatDate(project.updated)}`;
    open.append(thumb, name, meta);
    open.addEventListener("click", () => this.on.open(project.id));

    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "project-delete icon-button";
    remove.title = "Delete this project";
    remove.setAttribute("aria-label", `Delete “${project.name}”`);
    remove.innerHTML =
      '<svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true"><path fill="currentColor" d="M9 3h6l1 2h4v2H4V5h4l1-2zm-3 6h12l-1 12H7L6 9zm4 2v8h1.5v-8H10zm3.5 0v8H15v-8h-1.5z"/></svg>';
    remove.addEventListener("click", async () => {
      if (!window.confirm(`Delete “${project.name}”? Its photo, hints and results are removed.`)) return;
      try {
        await projects.remove(project.id);
        card.remove();
        this.on.deleted(project.id);
        await this.refresh();
      } catch (error) {
        showError(error, "Could not delete the project");
      }
    });

    card.append(open, remove);
    return card;
  }
}
