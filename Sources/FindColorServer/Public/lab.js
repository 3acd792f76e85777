// CIE Lab <-> sRGB, with the same constants as the Swift code (FindColorImage/Color/Lab.swift):
// D65 white Xn 0.95047, Yn 1, Zn 1.08883; ε = 216/24389, κ = 24389/27.

const XN = 0.95047, YN = 1.0, ZN = 1.08883;
const EPSILON = 216 / 24389, KAPPA = 24389 / 27;
const DELTA = 6 / 29;

function srgbDecode(c) {
  return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
}

function srgbEncode(l) {
  return l <= 0.0031308 ? 12.92 * l : 1.055 * Math.pow(l, 1 / 2.4) - 0.055;
}

function f(t) {
  return t > EPSILON ? Math.cbrt(t) : (KAPPA * t + 16) / 116;
}

function fInverse(u) {
  return u > DELTA ? u * u * u : (116 * u - 16) / KAPPA;
}

/** Lab → linear sRGB (may be outside [0, 1] when out of gamut). */
export function labToLinear(L, a, b) {
  const fy = (L + 16) / 116;
  const fx = fy + a / 500;
  const fz = fy - b / 200;
  const X = XN * fInverse(fx), Y = YN * fInverse(fy), Z = ZN * fInverse(fz);
  return [
    3.2404542 * X - 1.5371385 * Y - 0.4985314 * Z,
    -0.9692660 * X + 1.8760108 * Y + 0.0415560 * Z,
    0.0556434 * X - 0.2040259 * Y + 1.0572252 * Z,
  ];
}

/** True when Lab(L, a, b) is displayable in sRGB. */
export function inGamut(L, a, b) {
  const rgb = labToLinear(L, a, b);
  return rgb.every((v) => v >= -0.001 && v <= 1.001);
}

/** Lab → 8-bit sRGB [r, g, b], clamped. */
export function labToRGB8(L, a, b) {
  return labToLinear(L, a, b).map((v) => Math.round(255 * srgbEncode(Math.min(1, Math.max(0, v)))));
}

/** Lab → "#rrggbb" (clamped to the gamut). */
export function labToHex(L, a, b) {
  return "#" + labToRGB8(L, a, b).map((v) => v.toString(16).padStart(2, "0")).join("");
}

/** sRGB in [0, 1] → Lab. */
export function rgbToLab(r, g, b) {
  const R = srgbDecode(r), G = srgbDecode(g), B = srgbDecode(b);
  const X = 0.4124564 * R + 0.3575761 * G + 0.1804375 * B;
  const Y = 0.2126729 * R + 0.7151522 * G + 0.0721750 * B;
  const Z = 0.0193339 * R + 0.1191920 * G + 0.9503041 * B;
  const fx = f(X / XN), fy = f(Y / YN), fz = f(Z / ZN);
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

/** "#rgb" or "#rrggbb" → Lab, or null. */
export function hexToLab(hex) {
  let s = String(hex).trim().replace(/^#/, "");
  if (/^[0-9a-f]{3}$/i.test(s)) s = s.split("").map((c) => c + c).join("");
  if (!/^[0-9a-f]{6}$/i.test(s)) return null;
  const v = parseInt(s, 16);
  return rgbToLab(((v >> 16) & 255) / 255, ((v >> 8) & 255) / 255, (v & 255) / 255);
}

/** L* of an 8-bit sRGB pixel. */
export function lightnessOf(r8, g8, b8) {
  const Y = 0.2126729 * srgbDecode(r8 / 255) + 0.7151522 * srgbDecode(g8 / 255) + 0.0721750 * srgbDecode(b8 / 255);
  return 116 * f(Y) - 16;
}

/** Range of a* and b* shown by the picker. */
export const AB_RANGE = 110;

/**
 * Draws the a*b* plane at lightness L into `canvas` (a* left→right, b* bottom→top).
 * Colours outside the sRGB gamut are drawn as the neutral gray of that lightness, darkened a little,
 * so the displayable area stands out.
 */
export function drawGamut(canvas, L) {
  const ctx = canvas.getContext("2d");
  const w = canvas.width, h = canvas.height;
  const image = ctx.createImageData(w, h);
  const neutral = labToRGB8(L, 0, 0).map((v) => Math.round(v * 0.55 + 18));
  const d = image.data;
  for (let y = 0; y < h; y++) {
    const b = AB_RANGE - (2 * AB_RANGE * (y + 0.5)) / h;
    for (let x = 0; x < w; x++) {
      const a = -AB_RANGE + (2 * AB_RANGE * (x + 0.5)) / w;
      const lin = labToLinear(L, a, b);
      const i = 4 * (y * w + x);
      if (lin[0] >= -0.001 && lin[0] <= 1.001 && lin[1] >= -0.001 && lin[1] <= 1.001 && lin[2] >= -0.001 && lin[2] <= 1.001) {
        d[i] = Math.round(255 * srgbEncode(Math.min(1, Math.max(0, lin[0]))));
        d[i + 1] = Math.round(255 * srgbEncode(Math.min(1, Math.max(0, lin[1]))));
        d[i + 2] = Math.round(255 * srgbEncode(Math.min(1, Math.max(0, lin[2]))));
      } else {
        d[i] = neutral[0];
        d[i + 1] = neutral[1];
        d[i + 2] = neutral[2];
      }
      d[i + 3] = 255;
    }
  }
  ctx.putImageData(image, 0, 0);
}

/** Canvas position (pixels) of (a, b) in a `w × h` gamut canvas, and back. */
export function abToCanvas(a, b, w, h) {
  return [((a + AB_RANGE) / (2 * AB_RANGE)) * w, ((AB_RANGE - b) / (2 * AB_RANGE)) * h];
}

export function canvasToAB(x, y, w, h) {
  return [(x / w) * 2 * AB_RANGE - AB_RANGE, AB_RANGE - (y / h) * 2 * AB_RANGE];
}
