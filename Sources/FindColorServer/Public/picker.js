// The hint colour picker: the a*b* plane at the clicked pixel's lightness (out-of-gamut colours
// shown neutral), a hex field, the model's suggestions at that point and recently used colours.
// Swatches of very dark (or very light) places are shown at a lifted (or lowered) lightness so that
// they can be told apart; a hint only stores a* and b*, the photo keeps its own lightness.

import { abToCanvas, canvasToAB, drawGamut, hexToLab, inGamut, labToHex, AB_RANGE } from "./lab.js";
import { cssColour } from "./theme.js";

const RECENT_KEY = "findcolor.recentColours";
const RECENT_LIMIT = 8;
/** Swatches are drawn at a lightness within these bounds (the hint keeps the photo's own L*). */
const SWATCH_MIN_L = 42;
const SWATCH_MAX_L = 88;

function loadRecent() {
  try {
    const list = JSON.parse(localStorage.getItem(RECENT_KEY) || "[]");
    return Array.isArray(list) ? list.filter((ab) => Array.isArray(ab) && ab.length === 2 && ab.every(Number.isFinite)) : [];
  } catch {
    return [];
  }
}

function saveRecent(list) {
  try {
    localStorage.setItem(RECENT_KEY, JSON.stringify(list));
  } catch {
    // private mode or quota: recent colours are a convenience only
  }
}

export class ColorPicker {
  /**
   * @param elements DOM elements: gamut (canvas), swatch, hex (input), lightness (range input),
   *        lightnessValue, suggestions, recent, suggestionsNote
   * @param onPick called with ([a, b], commit): commit is false while dragging, true when done
   */
  constructor(elements, onPick) {
    this.el = elements;
    this.onPick = onPick;
    this.L = 60;
    this.ab = [20, 30];
    this.recent = loadRecent();
    this.planeL = null;
    this.plane = null;
    this.colours = {
      axes: cssColour("--gamut-axes", "rgba(255, 255, 255, 0.18)"),
      ringOuter: cssColour("--gamut-ring-outer", "#000"),
      ringInner: cssColour("--gamut-ring-inner", "#fff"),
    };
    // The plane is read back each time the lightness changes: keep its pixels on the CPU.
    this.el.gamut.getContext("2d", { willReadFrequently: true });
    this.bind();
    this.setLightness(this.L);
    this.renderRecent();
  }

  bind() {
    const canvas = this.el.gamut;
    let dragging = false;
    const pick = (event, commit) => {
      const rect = canvas.getBoundingClientRect();
      const x = Math.min(rect.width, Math.max(0, event.clientX - rect.left));
      const y = Math.min(rect.height, Math.max(0, event.clientY - rect.top));
      const [a, b] = canvasToAB(x, y, rect.width, rect.height);
      this.setColor([Math.round(a * 10) / 10, Math.round(b * 10) / 10]);
      this.onPick(this.ab, commit);
    };
    canvas.addEventListener("pointerdown", (event) => {
      if (event.button !== 0) return;
      dragging = true;
      canvas.setPointerCapture(event.pointerId);
      pick(event, false);
    });
    canvas.addEventListener("pointermove", (event) => {
      if (dragging) pick(event, false);
    });
    const finish = (event) => {
      if (!dragging) return;
      dragging = false;
      pick(event, true);
      this.addRecent(this.ab);
    };
    canvas.addEventListener("pointerup", finish);
    canvas.addEventListener("pointercancel", () => {
      dragging = false;
    });

    this.el.hex.addEventListener("change", () => {
      const lab = hexToLab(this.el.hex.value);
      if (!lab) {
        this.el.hex.classList.add("invalid");
        return;
      }
      this.el.hex.classList.remove("invalid");
      const ab = [Math.round(lab[1] * 10) / 10, Math.round(lab[2] * 10) / 10];
      this.setColor(ab);
      this.onPick(ab, true);
      this.addRecent(ab);
    });

    this.el.lightness.addEventListener("input", () => {
      this.setLightness(Number(this.el.lightness.value));
    });
  }

  /** Shows the plane at lightness L (the L* of the selected pixel). */
  setLightness(L) {
    this.L = Math.min(100, Math.max(0, L));
    this.el.lightness.value = String(Math.round(this.L));
    this.el.lightnessValue.textContent = `L* ${Math.round(this.L)}`;
    this.redraw();
    this.renderRecent();
  }

  /** Sets the current colour without notifying. */
  setColor(ab) {
    this.ab = [Math.max(-AB_RANGE, Math.min(AB_RANGE, ab[0])), Math.max(-AB_RANGE, Math.min(AB_RANGE, ab[1]))];
    this.redraw();
  }

  redraw() {
    const canvas = this.el.gamut;
    const ctx = canvas.getContext("2d");
    if (this.planeL !== Math.round(this.L)) {
      drawGamut(canvas, Math.round(this.L));
      this.plane = ctx.getImageData(0, 0, canvas.width, canvas.height);
      this.planeL = Math.round(this.L);
    } else {
      ctx.putImageData(this.plane, 0, 0);
    }
    const w = canvas.width, h = canvas.height;
    // Axes through the neutral point.
    ctx.strokeStyle = this.colours.axes;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(w / 2 + 0.5, 0);
    ctx.lineTo(w / 2 + 0.5, h);
    ctx.moveTo(0, h / 2 + 0.5);
    ctx.lineTo(w, h / 2 + 0.5);
    ctx.stroke();
    // The current colour.
    const [x, y] = abToCanvas(this.ab[0], this.ab[1], w, h);
    ctx.lineWidth = 2;
    ctx.strokeStyle = this.colours.ringOuter;
    ctx.beginPath();
    ctx.arc(x, y, 7, 0, Math.PI * 2);
    ctx.stroke();
    ctx.strokeStyle = this.colours.ringInner;
    ctx.beginPath();
    ctx.arc(x, y, 5.5, 0, Math.PI * 2);
    ctx.stroke();

    const hex = labToHex(this.L, this.ab[0], this.ab[1]);
    this.el.swatch.style.background = hex;
    this.el.swatch.title = `a* ${this.ab[0].toFixed(1)}, b* ${this.ab[1].toFixed(1)}`;
    this.el.swatch.classList.toggle("out-of-gamut", !inGamut(this.L, this.ab[0], this.ab[1]));
    if (document.activeElement !== this.el.hex) this.el.hex.value = hex;
    this.el.hex.classList.remove("invalid");
  }

  addRecent(ab) {
    const near = (p) => Math.abs(p[0] - ab[0]) < 2 && Math.abs(p[1] - ab[1]) < 2;
    this.recent = [[ab[0], ab[1]], ...this.recent.filter((p) => !near(p))].slice(0, RECENT_LIMIT);
    saveRecent(this.recent);
    this.renderRecent();
  }

  /** The lightness swatches are drawn at: the picked pixel's, lifted out of the dark (and the glare). */
  get swatchL() {
    return Math.min(SWATCH_MAX_L, Math.max(SWATCH_MIN_L, this.L));
  }

  get swatchesLifted() {
    return Math.abs(this.swatchL - this.L) >= 1;
  }

  swatchButton(ab, title) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "swatch";
    button.dataset.a = String(ab[0]);
    button.dataset.b = String(ab[1]);
    button.style.background = labToHex(this.swatchL, ab[0], ab[1]);
    button.title = this.swatchesLifted ? `${title} · shown at L* ${Math.round(this.swatchL)} (L* ${Math.round(this.L)} here)` : title;
    button.addEventListener("click", () => {
      this.setColor(ab);
      this.onPick(this.ab, true);
      this.addRecent(this.ab);
    });
    return button;
  }

  renderRecent() {
    const root = this.el.recent;
    root.replaceChildren();
    if (this.recent.length === 0) {
      const empty = document.createElement("span");
      empty.className = "muted small";
      empty.textContent = "Colours you use appear here.";
      root.append(empty);
      return;
    }
    for (const ab of this.recent) {
      root.append(this.swatchButton(ab, `a* ${ab[0].toFixed(1)}, b* ${ab[1].toFixed(1)}`));
    }
  }

  /** Suggestions: an array of {a, b, probability, hex}, "loading", or null (none / no point yet). */
  showSuggestions(list, note) {
    const root = this.el.suggestions;
    root.replaceChildren();
    const lifted = Array.isArray(list) && list.length > 0 && this.swatchesLifted;
    const shown = this.L < this.swatchL ? "lighter" : "darker";
    this.el.suggestionsNote.textContent = (note || "") + (lifted ? ` · shown ${shown} than the photo` : "");
    root.classList.toggle("lifted", lifted);
    if (!Array.isArray(list)) return;
    for (const s of list) {
      const button = this.swatchButton([s.a, s.b], `${Math.round(s.probability * 100)}% · a* ${s.a.toFixed(0)}, b* ${s.b.toFixed(0)}`);
      // The server's hex is the colour at the photo's own lightness; shown as is unless lifted.
      if (!lifted && s.hex) button.style.background = s.hex;
      const bar = document.createElement("span");
      bar.className = "probability";
      bar.style.width = `${Math.max(8, Math.round(s.probability * 100))}%`;
      button.append(bar);
      root.append(button);
    }
  }
}
