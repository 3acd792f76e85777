// The repair overlay on the photo (issue 15): the damage the detector found, with the user's
// corrections, drawn semi-transparent over the photo; and the brush that marks more damage or
// unmarks what must be kept. The corrections are two layers of the overlay's size: "add" (repair
// here too) and "erase" (never repair here); the server takes them as one gray mask of the photo's
// size (white = add, mid gray = erase, black = as detected).

import { paintBrush } from "./brush.js";
import { cssColour } from "./theme.js";

const LAYER_MAX_SIDE = 2048;
/** A pixel of a layer counts as painted from this alpha on (the brush's soft edge is cut there). */
const PAINTED_ALPHA = 128;

function canvas(width, height) {
  const c = document.createElement("canvas");
  c.width = width;
  c.height = height;
  return c;
}

export class RepairLayer {
  /**
   * @param view the overlay canvas on the photo
   * @param stage the photo stage (its scale, pointer position, brush size and cursor)
   * @param on callbacks: edited() after each stroke
   */
  constructor(view, stage, on) {
    this.view = view;
    this.stage = stage;
    this.on = on;
    this.mode = "add";
    this.colour = cssColour("--repair-mask", "#ff3b8d");
    this.width = 0;
    this.height = 0;
    this.detected = canvas(1, 1);
    this.add = canvas(1, 1);
    this.erase = canvas(1, 1);
    this.edited = false;
    this.bind();
  }

  /** A new photo of `width`×`height`: nothing detected, nothing edited. */
  reset(width, height) {
    this.width = width;
    this.height = height;
    const s = Math.min(1, LAYER_MAX_SIDE / Math.max(width, height));
    const w = Math.max(1, Math.round(width * s)), h = Math.max(1, Math.round(height * s));
    for (const c of [this.view, this.detected, this.add, this.erase]) {
      c.width = w;
      c.height = h;
      // The layers are read back (loading, saving): their contexts are made for it, the first time.
      c.getContext("2d", { willReadFrequently: c !== this.view }).clearRect(0, 0, w, h);
    }
    this.edited = false;
  }

  /** The detector's mask (the server's PNG, white = damage), shown in the overlay colour. */
  async setDetected(blob) {
    const c = this.detected;
    const ctx = c.getContext("2d", { willReadFrequently: true });
    ctx.clearRect(0, 0, c.width, c.height);
    ctx.drawImage(await createImageBitmap(blob), 0, 0, c.width, c.height);
    const image = ctx.getImageData(0, 0, c.width, c.height);
    const [r, g, b] = this.rgb();
    const d = image.data;
    for (let i = 0; i < d.length; i += 4) {
      const on = d[i] >= PAINTED_ALPHA;
      d[i] = r;
      d[i + 1] = g;
      d[i + 2] = b;
      d[i + 3] = on ? 255 : 0;
    }
    ctx.putImageData(image, 0, 0);
    this.redraw();
  }

  /** The user's corrections as the server keeps them (null: none). */
  async setEdits(blob) {
    const w = this.add.width, h = this.add.height;
    const addCtx = this.add.getContext("2d", { willReadFrequently: true });
    const eraseCtx = this.erase.getContext("2d", { willReadFrequently: true });
    addCtx.clearRect(0, 0, w, h);
    eraseCtx.clearRect(0, 0, w, h);
    this.edited = false;
    if (blob) {
      const probe = canvas(w, h).getContext("2d", { willReadFrequently: true });
      probe.imageSmoothingEnabled = false;
      probe.drawImage(await createImageBitmap(blob), 0, 0, w, h);
      const source = probe.getImageData(0, 0, w, h).data;
      const adds = addCtx.createImageData(w, h), erases = eraseCtx.createImageData(w, h);
      for (let i = 0; i < source.length; i += 4) {
        const v = source[i];
        const target = v >= 192 ? adds.data : v >= 64 ? erases.data : null;
        if (!target) continue;
        target[i + 3] = 255;
        this.edited = true;
      }
      addCtx.putImageData(this.tinted(adds), 0, 0);
      eraseCtx.putImageData(erases, 0, 0);
    }
    this.redraw();
  }

  clearEdits() {
    for (const c of [this.add, this.erase]) c.getContext("2d").clearRect(0, 0, c.width, c.height);
    this.edited = false;
    this.redraw();
  }

  /** True when the user has marked or unmarked anything. */
  hasEdits() {
    return this.edited;
  }

  /** "add" (mark damage) or "erase" (unmark). */
  setMode(mode) {
    this.mode = mode;
  }

  /** The overlay: what was detected, less what is erased, plus what is added. */
  redraw() {
    const ctx = this.view.getContext("2d");
    const { width: w, height: h } = this.view;
    ctx.save();
    ctx.clearRect(0, 0, w, h);
    ctx.drawImage(this.detected, 0, 0);
    ctx.globalCompositeOperation = "destination-out";
    ctx.drawImage(this.erase, 0, 0);
    ctx.globalCompositeOperation = "source-over";
    ctx.drawImage(this.add, 0, 0);
    ctx.restore();
  }

  /** The corrections at the photo's full size as a gray PNG: 255 add, 128 erase, 0 as detected. */
  editsPNG() {
    const w = this.add.width, h = this.add.height;
    const adds = this.add.getContext("2d", { willReadFrequently: true }).getImageData(0, 0, w, h).data;
    const erases = this.erase.getContext("2d", { willReadFrequently: true }).getImageData(0, 0, w, h).data;
    const small = canvas(w, h);
    const sctx = small.getContext("2d");
    const out = sctx.createImageData(w, h);
    const d = out.data;
    for (let i = 0; i < d.length; i += 4) {
      const v = adds[i + 3] >= PAINTED_ALPHA ? 255 : erases[i + 3] >= PAINTED_ALPHA ? 128 : 0;
      d[i] = d[i + 1] = d[i + 2] = v;
      d[i + 3] = 255;
    }
    sctx.putImageData(out, 0, 0);
    const full = canvas(this.width, this.height);
    const fctx = full.getContext("2d");
    // Nearest neighbour: the three levels stay three levels.
    fctx.imageSmoothingEnabled = false;
    fctx.drawImage(small, 0, 0, full.width, full.height);
    return new Promise((resolve, reject) => {
      full.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("the browser could not encode the repair mask"))), "image/png");
    });
  }

  // MARK: Painting

  paint(from, to) {
    const k = this.add.width / this.width;
    const width = (this.stage.brushSize / this.stage.scale) * k;
    const [target, other] = this.mode === "erase" ? [this.erase, this.add] : [this.add, this.erase];
    for (const [c, op] of [[target, "source-over"], [other, "destination-out"]]) {
      paintBrush(c.getContext("2d"), op, this.colour, width, from, to, k);
    }
    this.edited = true;
    this.redraw();
  }

  bind() {
    const view = this.view;
    let last = null;
    const active = () => this.stage.mode === "repair";
    view.addEventListener("pointerdown", (event) => {
      if (!active() || event.button !== 0) return;
      event.preventDefault();
      view.setPointerCapture(event.pointerId);
      last = this.stage.toImage(event);
      this.paint(null, last);
    });
    view.addEventListener("pointermove", (event) => {
      const point = this.stage.toImage(event);
      if (active()) this.stage.showCursor(point[0], point[1], this.stage.brushSize / this.stage.scale, "round");
      if (!last) return;
      this.paint(last, point);
      last = point;
    });
    const endStroke = () => {
      if (!last) return;
      last = null;
      this.on.edited();
    };
    view.addEventListener("pointerup", endStroke);
    view.addEventListener("pointercancel", endStroke);
    view.addEventListener("pointerleave", () => {
      this.stage.el.cursor.hidden = true;
    });
    view.addEventListener("contextmenu", (event) => event.preventDefault());
  }

  // MARK: Colour

  rgb() {
    const probe = canvas(1, 1).getContext("2d");
    probe.fillStyle = this.colour;
    const n = parseInt(probe.fillStyle.slice(1, 7), 16);
    return Number.isFinite(n) ? [(n >> 16) & 255, (n >> 8) & 255, n & 255] : [255, 59, 141];
  }

  /** `image` (alpha only) in the overlay colour. */
  tinted(image) {
    const [r, g, b] = this.rgb();
    const d = image.data;
    for (let i = 0; i < d.length; i += 4) {
      if (!d[i + 3]) continue;
      d[i] = r;
      d[i + 1] = g;
      d[i + 2] = b;
    }
    return image;
  }
}
