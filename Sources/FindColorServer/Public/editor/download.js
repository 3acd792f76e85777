// Downloading the full-resolution result (PNG or JPEG).

import { projects } from "../api.js";
import { showError } from "../toast.js";

export function bindDownload(app) {
  const { el } = app;
  el.download.addEventListener("click", () => download(app));
}

async function download(app) {
  const { state, el, status, render } = app;
  const project = state.project;
  if (!project) return;
  const format = el.downloadFormat.value;
  el.download.disabled = true;
  status.set("Preparing the download…", true);
  try {
    const blob = await projects.download(project.id, format);
    const url = URL.createObjectURL(blob);
    const link = document.createElement("a");
    link.href = url;
    link.download = `${project.name} (colour).${format === "jpeg" ? "jpg" : "png"}`;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    render.restoreStatus();
  } catch (error) {
    status.set("Download failed");
    showError(error, "Download");
  } finally {
    el.download.disabled = false;
  }
}
