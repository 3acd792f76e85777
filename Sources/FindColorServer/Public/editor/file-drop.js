// Dropping a photo file: anywhere it opens as a new project; on the reference panel of an open
// project it becomes the reference. The page is marked while a file is dragged over it (style.css).

export function bindFileDrop(app) {
  const { state } = app;
  const onReferencePanel = (event) => Boolean(event.target.closest?.("#panel-reference"));
  let depth = 0;
  window.addEventListener("dragenter", (event) => {
    if (!event.dataTransfer?.types.includes("Files")) return;
    depth++;
    document.body.classList.add("dragging-file");
  });
  window.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) document.body.classList.remove("dragging-file");
  });
  window.addEventListener("dragover", (event) => {
    event.preventDefault();
    document.body.classList.toggle("dragging-reference", onReferencePanel(event) && Boolean(state.project));
  });
  window.addEventListener("drop", (event) => {
    event.preventDefault();
    depth = 0;
    document.body.classList.remove("dragging-file", "dragging-reference");
    const file = event.dataTransfer?.files?.[0];
    if (!file) return;
    if (state.project && onReferencePanel(event)) app.reference.setReference(file);
    else app.session.upload(file);
  });
}
