// Notifications in the corner of the window. Errors stay until dismissed (or 12 s), others fade.

let container = null;

function ensureContainer() {
  if (!container) container = document.getElementById("toasts");
  return container;
}

export function toast(message, kind = "info") {
  const root = ensureContainer();
  const item = document.createElement("div");
  item.className = `toast toast-${kind}`;
  item.setAttribute("role", kind === "error" ? "alert" : "status");
  const text = document.createElement("span");
  text.className = "toast-text";
  text.textContent = message;
  const close = document.createElement("button");
  close.className = "toast-close";
  close.type = "button";
  close.setAttribute("aria-label", "Dismiss");
  close.textContent = "×";
  close.addEventListener("click", () => item.remove());
  item.append(text, close);
  root.append(item);
  while (root.children.length > 4) root.firstElementChild.remove();
  setTimeout(() => {
    item.classList.add("toast-leaving");
    setTimeout(() => item.remove(), 400);
  }, kind === "error" ? 12000 : 3500);
  return item;
}

/** Shows an error (an exception or a message) as a toast and logs it. */
export function showError(error, context) {
  const message = error && error.message ? error.message : String(error);
  const text = context ? `${context}: ${message}` : message;
  console.error(text, error);
  toast(text, "error");
}
