// The status line in the top bar ("Updating preview…", "Up to date", …).

export class StatusLine {
  constructor(node) {
    this.node = node;
  }

  set(text, busy = false) {
    this.node.textContent = text;
    this.node.title = text;
    this.node.classList.toggle("busy", busy);
  }
}
