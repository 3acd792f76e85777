// The round brush of the region mask (stage.js) and of the repair corrections (repair-layer.js).

/**
 * One step of the brush on `ctx`, composited with `op`: a stroke from `from` to `to`, or a dab at
 * `to` when `from` is null. Points are in image pixels, `k` canvas pixels per image pixel, `width`
 * in canvas pixels.
 */
export function paintBrush(ctx, op, colour, width, from, to, k) {
  ctx.save();
  ctx.globalCompositeOperation = op;
  ctx.strokeStyle = ctx.fillStyle = colour;
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  ctx.lineWidth = width;
  ctx.beginPath();
  if (from) {
    ctx.moveTo(from[0] * k, from[1] * k);
    ctx.lineTo(to[0] * k, to[1] * k);
    ctx.stroke();
  } else {
    ctx.arc(to[0] * k, to[1] * k, width / 2, 0, Math.PI * 2);
    ctx.fill();
  }
  ctx.restore();
}
