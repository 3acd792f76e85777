// The photo stage: the colour result over which a before/after slider reveals the gray original,
// the hint markers (click to add, drag to move, right-click to delete) and the region mask brush.
// While the region applies it is outlined with every tool (filled faintly, more so while painting).

import { paintBrush } from "./brush.js";
import { labToHex, lightnessOf } from "./lab.js";
import { cssColour } from "./theme.js";

const ANALYSIS_MAX_SIDE = 1024;
const MASK_MAX_SIDE = 2048;
const MIN_MARKER_PX = 14;
const CLICK_SLOP_PX = 4;
/** Where the before/after split opens: mostly colour, with a strip of the original to compare. */
const INITIAL_SPLIT = 0.15;
/** Gap kept between the split and something it moves aside to show (fraction of the width). */
const REVEAL_MARGIN = 0.03;
/** Width of the region's outline on screen (CSS pixels). */
const OUTLINE_PX = 1.5;
/** Below this width the stage is sized from the page width (the side panel is under the photo). */
export const NARROW_QUERY = "(max-width: 900px)";

export class Stage {
  /**
   * @param el DOM elements: wrap, photo, imgColor, imgOriginal, beforeClip, mask, outline, hints, slider, cursor
   * @param on callbacks: addHint(x, y), dragHint(id, x, y) while a hint is dragged (each new
   *        position), dropHint(id, x, y) when the drag ends (back at the start when cancelled),
   *        selectHint(id), deleteHint(id), maskChanged({ minX, maxX }) after a stroke (photo pixels it touched)
   */
  constructor(el, on) {
    this.el = el;
    this.on = on;
    this.width = 0;
    this.height = 0;
    this.scale = 1;
    this.hints = [];
    this.selectedId = null;
    this.drag = null; // the hint being dragged: { hint, element, x, y, … }
    this.hintSize = 4;
    this.mode = "hints";
    this.tool = "brush";
    this.brushSize = 40;
    this.split = INITIAL_SPLIT;
    this.analysis = null;
    this.colorURL = null;
    // Read back often (emptiness, bounds, outline): keep the mask's pixels on the CPU.
    this.maskCtx = el.mask.getContext("2d", { willReadFrequently: true });
    this.maskColour = cssColour("--mask", "#ff6a3d");
    this.outlineColour = cssColour("--mask-outline", "#ffc2a8");
    this.narrow = window.matchMedia(NARROW_QUERY);
    this.bind();
    new ResizeObserver(() => this.layout()).observe(el.wrap);
    this.narrow.addEventListener("change", () => this.layout());
  }

  // MARK: Loading

  /** Shows a project's photo; resolves once the original is loaded and analysed. */
  async load(project) {
    this.width = project.width;
    this.height = project.height;
    this.hints = [];
    this.selectedId = null;
    this.split = INITIAL_SPLIT;
    this.layout();
    this.renderSplit();
    const originalURL = project.links.original;
    this.el.imgOriginal.src = originalURL;
    this.setColorImage(null, originalURL);
    await this.el.imgOriginal.decode().catch(() => {
      throw new Error("the browser cannot display this photo");
    });
    this.analyse(this.el.imgOriginal);
    this.initMask();
  }

  /** Shows a rendered colour image (an object URL), or the original while none is ready. */
  setColorImage(objectURL, fallbackURL) {
    const img = this.el.imgColor;
    if (objectURL) {
      const previous = this.colorURL;
      this.colorURL = objectURL;
      img.classList.remove("pending");
      img.src = objectURL;
      if (previous) img.decode().catch(() => {}).finally(() => URL.revokeObjectURL(previous));
    } else {
      if (this.colorURL) URL.revokeObjectURL(this.colorURL);
      this.colorURL = null;
      img.classList.add("pending");
      img.src = fallbackURL;
    }
  }

  /** Keeps a downscaled copy of the original's pixels to read lightness from. */
  analyse(img) {
    const s = Math.min(1, ANALYSIS_MAX_SIDE / Math.max(this.width, this.height));
    const w = Math.max(1, Math.round(this.width * s)), h = Math.max(1, Math.round(this.height * s));
    const canvas = document.createElement("canvas");
    canvas.width = w;
    canvas.height = h;
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.drawImage(img, 0, 0, w, h);
    this.analysis = { w, h, s, data: ctx.getImageData(0, 0, w, h).data };
  }

  /** Mean L* of the original over the patch at (x, y) of side `size` (photo pixels). */
  lightnessAt(x, y, size = 1) {
    const a = this.analysis;
    if (!a) return 50;
    const x0 = Math.max(0, Math.floor(x * a.s)), y0 = Math.max(0, Math.floor(y * a.s));
    const x1 = Math.min(a.w, Math.max(x0 + 1, Math.ceil((x + size) * a.s)));
    const y1 = Math.min(a.h, Math.max(y0 + 1, Math.ceil((y + size) * a.s)));
    let sum = 0, count = 0;
    for (let yy = y0; yy < y1; yy++) {
      for (let xx = x0; xx < x1; xx++) {
        const i = 4 * (yy * a.w + xx);
        sum += lightnessOf(a.data[i], a.data[i + 1], a.data[i + 2]);
        count++;
      }
    }
    return count ? sum / count : 50;
  }

  // MARK: Layout

  layout() {
    if (!this.width) return;
    const wrap = this.el.wrap;
    const style = getComputedStyle(wrap);
    const padX = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
    const padY = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom);
    const availableWidth = Math.max(50, wrap.clientWidth - padX);
    // On a narrow page the stage grows with the photo (the page scrolls); otherwise it fills its box.
    const availableHeight = this.narrow.matches
      ? Math.max(160, window.innerHeight * 0.68)
      : Math.max(50, wrap.clientHeight - padY);
    const scale = Math.min(availableWidth / this.width, availableHeight / this.height, 8);
    const w = Math.round(this.width * scale), h = Math.round(this.height * scale);
    if (scale === this.scale && this.el.photo.style.width === `${w}px` && this.el.photo.style.height === `${h}px`) return;
    this.scale = scale;
    this.el.photo.style.width = `${w}px`;
    this.el.photo.style.height = `${h}px`;
    this.renderHints();
    this.renderSplit();
    this.updateOutline();
  }

  /** Moves the before/after split left of photo column `x` when the original hides it. */
  reveal(x) {
    if (!this.width || !Number.isFinite(x)) return;
    const left = x / this.width - REVEAL_MARGIN;
    if (left >= this.split) return;
    this.split = Math.max(0, left);
    this.renderSplit();
  }

  renderSplit() {
    const percent = this.split * 100;
    this.el.beforeClip.style.clipPath = `inset(0 ${100 - percent}% 0 0)`;
    this.el.slider.style.left = `${percent}%`;
    this.el.slider.setAttribute("aria-valuenow", String(Math.round(percent)));
  }

  // MARK: Hints

  setHints(hints, selectedId) {
    this.hints = hints;
    this.selectedId = selectedId;
    this.renderHints();
  }

  renderHints() {
    this.el.hints.replaceChildren(...this.hints.map((hint) => this.marker(hint)));
  }

  marker(hint) {
    const div = document.createElement("div");
    div.className = "hint" + (hint.id === this.selectedId ? " selected" : "") + (hint.spread === "local" ? " local" : "");
    div.dataset.id = hint.id;
    div.dataset.a = String(hint.ab[0]);
    div.dataset.b = String(hint.ab[1]);
    const L = this.lightnessAt(hint.x, hint.y, hint.size);
    div.style.background = labToHex(L, hint.ab[0], hint.ab[1]);
    const drag = this.drag?.hint.id === hint.id ? this.drag : null;
    if (drag) {
      // Redrawn mid-drag (another change landed): the marker stays under the pointer.
      drag.element = div;
      div.classList.add("dragging");
    }
    this.placeMarker(div, drag ? drag.x : hint.x, drag ? drag.y : hint.y, hint.size);
    const reach = hint.spread === "local" ? "only this area" : "similar parts too";
    div.title = `(${hint.x}, ${hint.y}) · size ${hint.size} · a* ${hint.ab[0].toFixed(0)}, b* ${hint.ab[1].toFixed(0)} · ${reach}\nDrag to move · right-click to delete`;
    return div;
  }

  placeMarker(div, x, y, size) {
    const side = Math.max(MIN_MARKER_PX, size * this.scale);
    const cx = (x + size / 2) * this.scale, cy = (y + size / 2) * this.scale;
    div.style.width = `${side}px`;
    div.style.height = `${side}px`;
    div.style.left = `${cx - side / 2}px`;
    div.style.top = `${cy - side / 2}px`;
  }

  /** Photo pixel under a pointer event (may be outside the photo). */
  toImage(event) {
    const rect = this.el.photo.getBoundingClientRect();
    return [((event.clientX - rect.left) / rect.width) * this.width, ((event.clientY - rect.top) / rect.height) * this.height];
  }

  /** Top-left of a patch of side `size` centred on (px, py), kept inside the photo. */
  patchAt(px, py, size) {
    const s = Math.min(size, this.width, this.height);
    return [
      Math.min(this.width - s, Math.max(0, Math.round(px - s / 2))),
      Math.min(this.height - s, Math.max(0, Math.round(py - s / 2))),
      s,
    ];
  }

  // MARK: Mode and mask

  setMode(mode) {
    this.mode = mode;
    this.el.photo.dataset.mode = mode;
    this.el.cursor.hidden = true;
  }

  setBrush(tool, size) {
    this.tool = tool;
    this.brushSize = size;
  }

  initMask() {
    const s = Math.min(1, MASK_MAX_SIDE / Math.max(this.width, this.height));
    const canvas = this.el.mask;
    canvas.width = Math.max(1, Math.round(this.width * s));
    canvas.height = Math.max(1, Math.round(this.height * s));
    this.maskCtx.clearRect(0, 0, canvas.width, canvas.height);
    this.updateOutline();
  }

  clearMask() {
    const canvas = this.el.mask;
    this.maskCtx.clearRect(0, 0, canvas.width, canvas.height);
    this.updateOutline();
  }

  maskIsEmpty() {
    return this.maskBounds() === null;
  }

  /** Columns the painted region spans, in photo pixels ({ minX, maxX }), or null when none is painted. */
  maskBounds() {
    const canvas = this.el.mask;
    const w = canvas.width, h = canvas.height;
    const data = this.maskCtx.getImageData(0, 0, w, h).data;
    let minX = Infinity, maxX = -Infinity;
    for (let y = 0; y < h; y++) {
      const row = y * w * 4;
      for (let x = 0; x < w; x++) {
        if (data[row + 4 * x + 3] > 127) {
          if (x < minX) minX = x;
          if (x > maxX) maxX = x;
        }
      }
    }
    if (minX === Infinity) return null;
    const k = this.width / w;
    return { minX: minX * k, maxX: (maxX + 1) * k };
  }

  /** Draws a mask given as white-on-black (the server's PNG) into the mask layer. */
  async loadMask(blob) {
    const bitmap = await createImageBitmap(blob);
    const canvas = this.el.mask;
    const ctx = this.maskCtx;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    const image = ctx.getImageData(0, 0, canvas.width, canvas.height);
    const d = image.data;
    const [r, g, b] = this.maskRGB();
    for (let i = 0; i < d.length; i += 4) {
      const v = d[i];
      d[i] = r;
      d[i + 1] = g;
      d[i + 2] = b;
      d[i + 3] = v;
    }
    ctx.putImageData(image, 0, 0);
    this.updateOutline();
  }

  maskRGB() {
    const probe = document.createElement("canvas").getContext("2d");
    probe.fillStyle = this.maskColour;
    const hex = probe.fillStyle; // normalised to #rrggbb
    const n = parseInt(hex.slice(1, 7), 16);
    return Number.isFinite(n) ? [(n >> 16) & 255, (n >> 8) & 255, n & 255] : [255, 106, 61];
  }

  /** The mask layer as it is (the history keeps these), or null when nothing is painted. */
  maskSnapshot() {
    if (this.maskIsEmpty()) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      this.el.mask.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("the browser could not keep the mask"))), "image/png");
    });
  }

  /** Puts back a mask layer kept by `maskSnapshot` (null: nothing painted). */
  async restoreMask(blob) {
    const canvas = this.el.mask;
    const ctx = this.maskCtx;
    const bitmap = blob ? await createImageBitmap(blob) : null;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (bitmap) ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    this.updateOutline();
  }

  /** Redraws the region's outline: the mask grown by a screen pixel or two, less the mask itself. */
  updateOutline() {
    const mask = this.el.mask, out = this.el.outline;
    if (!out) return;
    if (out.width !== mask.width || out.height !== mask.height) {
      out.width = mask.width;
      out.height = mask.height;
    }
    const ctx = out.getContext("2d");
    ctx.save();
    ctx.clearRect(0, 0, out.width, out.height);
    const screenWidth = this.width * this.scale;
    const r = Math.max(1, (OUTLINE_PX * mask.width) / Math.max(1, screenWidth));
    for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1], [0.7, 0.7], [-0.7, 0.7], [0.7, -0.7], [-0.7, -0.7]]) {
      ctx.drawImage(mask, dx * r, dy * r);
    }
    ctx.globalCompositeOperation = "destination-out";
    ctx.drawImage(mask, 0, 0);
    ctx.globalCompositeOperation = "source-in";
    ctx.fillStyle = this.outlineColour;
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.restore();
  }

  /** The mask at the photo's full size as a PNG: white where painted, black elsewhere. */
  maskPNG() {
    const source = this.el.mask;
    const white = document.createElement("canvas");
    white.width = source.width;
    white.height = source.height;
    const wctx = white.getContext("2d");
    wctx.drawImage(source, 0, 0);
    wctx.globalCompositeOperation = "source-in";
    wctx.fillStyle = "#fff";
    wctx.fillRect(0, 0, white.width, white.height);
    const full = document.createElement("canvas");
    full.width = this.width;
    full.height = this.height;
    const fctx = full.getContext("2d");
    fctx.fillStyle = "#000";
    fctx.fillRect(0, 0, full.width, full.height);
    fctx.drawImage(white, 0, 0, full.width, full.height);
    return new Promise((resolve, reject) => {
      full.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("the browser could not encode the mask"))), "image/png");
    });
  }

  paint(from, to) {
    const k = this.el.mask.width / this.width;
    const op = this.tool === "eraser" ? "destination-out" : "source-over";
    paintBrush(this.maskCtx, op, this.maskColour, (this.brushSize / this.scale) * k, from, to, k);
  }

  // MARK: Pointer handling

  bind() {
    const { hints: layer, slider, photo, cursor, mask } = this.el;
    let gesture = null;

    // Before/after slider.
    slider.addEventListener("pointerdown", (event) => {
      event.stopPropagation();
      slider.setPointerCapture(event.pointerId);
      gesture = { kind: "split" };
    });
    slider.addEventListener("pointermove", (event) => {
      if (gesture?.kind !== "split") return;
      const rect = photo.getBoundingClientRect();
      this.split = Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width));
      this.renderSplit();
    });
    slider.addEventListener("pointerup", () => {
      gesture = null;
    });
    slider.addEventListener("keydown", (event) => {
      const step = event.shiftKey ? 0.1 : 0.02;
      if (event.key === "ArrowLeft") this.split = Math.max(0, this.split - step);
      else if (event.key === "ArrowRight") this.split = Math.min(1, this.split + step);
      else return;
      event.preventDefault();
      this.renderSplit();
    });

    // Hints: add, select, move, delete.
    layer.addEventListener("pointerdown", (event) => {
      if (this.mode !== "hints" || event.button !== 0) return;
      event.preventDefault();
      layer.setPointerCapture(event.pointerId);
      const target = event.target.closest(".hint");
      if (target) {
        const hint = this.hints.find((h) => h.id === target.dataset.id);
        if (!hint) return;
        const [px, py] = this.toImage(event);
        gesture = {
          kind: "drag", hint, element: target, moved: false, sent: false,
          startX: event.clientX, startY: event.clientY, dx: px - hint.x, dy: py - hint.y, x: hint.x, y: hint.y,
        };
        this.drag = gesture;
        target.classList.add("dragging");
      } else {
        gesture = { kind: "click", startX: event.clientX, startY: event.clientY };
      }
    });

    layer.addEventListener("pointermove", (event) => {
      const [px, py] = this.toImage(event);
      if (gesture?.kind === "drag") {
        if (Math.hypot(event.clientX - gesture.startX, event.clientY - gesture.startY) > CLICK_SLOP_PX) gesture.moved = true;
        if (!gesture.moved) return;
        const size = gesture.hint.size;
        const x = Math.min(this.width - size, Math.max(0, Math.round(px - gesture.dx)));
        const y = Math.min(this.height - size, Math.max(0, Math.round(py - gesture.dy)));
        cursor.hidden = true;
        if (x === gesture.x && y === gesture.y) return;
        gesture.x = x;
        gesture.y = y;
        gesture.sent = true;
        this.placeMarker(gesture.element, x, y, size);
        this.on.dragHint(gesture.hint.id, x, y);
        return;
      }
      if (this.mode === "hints" && !gesture) this.showCursor(px, py, this.hintSize, "square");
    });

    layer.addEventListener("pointerup", (event) => {
      const g = gesture;
      gesture = null;
      if (!g) return;
      if (g.kind === "drag") {
        this.drag = null;
        g.element.classList.remove("dragging");
        if (g.sent) this.on.dropHint(g.hint.id, g.x, g.y);
        else this.on.selectHint(g.hint.id);
      } else if (g.kind === "click") {
        if (Math.hypot(event.clientX - g.startX, event.clientY - g.startY) > CLICK_SLOP_PX) return;
        const [px, py] = this.toImage(event);
        if (px < 0 || py < 0 || px >= this.width || py >= this.height) return;
        this.on.addHint(px, py);
      }
    });

    layer.addEventListener("pointercancel", () => {
      const g = gesture;
      gesture = null;
      if (g?.kind !== "drag") return;
      this.drag = null;
      g.element.classList.remove("dragging");
      this.placeMarker(g.element, g.hint.x, g.hint.y, g.hint.size);
      // Live steps moved it on the server: it goes back where it was.
      if (g.sent) this.on.dropHint(g.hint.id, g.hint.x, g.hint.y);
    });

    layer.addEventListener("pointerleave", () => {
      if (!gesture) cursor.hidden = true;
    });

    layer.addEventListener("contextmenu", (event) => {
      event.preventDefault();
      const target = event.target.closest(".hint");
      if (target && this.mode === "hints") this.on.deleteHint(target.dataset.id);
    });

    // Region mask painting.
    let last = null;
    let span = null;
    const touch = (point) => {
      const r = this.brushSize / this.scale / 2;
      span.minX = Math.min(span.minX, point[0] - r);
      span.maxX = Math.max(span.maxX, point[0] + r);
    };
    mask.addEventListener("pointerdown", (event) => {
      if (this.mode !== "paint" || event.button !== 0) return;
      event.preventDefault();
      mask.setPointerCapture(event.pointerId);
      last = this.toImage(event);
      span = { minX: Infinity, maxX: -Infinity };
      touch(last);
      this.paint(null, last);
    });
    mask.addEventListener("pointermove", (event) => {
      const point = this.toImage(event);
      if (this.mode === "paint") this.showCursor(point[0], point[1], this.brushSize / this.scale, "round");
      if (!last) return;
      this.paint(last, point);
      touch(point);
      last = point;
    });
    const endStroke = () => {
      if (!last) return;
      last = null;
      this.updateOutline();
      this.on.maskChanged({ minX: Math.max(0, span.minX), maxX: Math.min(this.width, span.maxX) });
    };
    mask.addEventListener("pointerup", endStroke);
    mask.addEventListener("pointercancel", endStroke);
    mask.addEventListener("pointerleave", () => {
      cursor.hidden = true;
    });
    mask.addEventListener("contextmenu", (event) => event.preventDefault());
  }

  /** The outline under the pointer: the patch a click would add, or the brush. */
  showCursor(px, py, size, shape) {
    const cursor = this.el.cursor;
    if (px < 0 || py < 0 || px >= this.width || py >= this.height) {
      cursor.hidden = true;
      return;
    }
    const side = Math.max(6, size * this.scale);
    cursor.hidden = false;
    cursor.classList.toggle("round", shape === "round");
    cursor.style.width = `${side}px`;
    cursor.style.height = `${side}px`;
    cursor.style.left = `${px * this.scale - side / 2}px`;
    cursor.style.top = `${py * this.scale - side / 2}px`;
  }
}
