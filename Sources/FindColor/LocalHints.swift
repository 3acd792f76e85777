import Foundation
import FindColorImage

/// Where a `local` hint (`Hint.Spread.local`) may change the colour: the region around its patch
/// that the photo's edges bound.
///
/// The geodesic distance from the patch over the photo's lightness, where a step of one pixel costs
/// √(1 + (edgeCost · ΔL*)²) (ΔL* between neighbours), so crossing an edge of 20 L* costs as much as
/// walking 40 pixels on a flat area. It is computed at half the working resolution on L* smoothed
/// by two 3×3 box blurs, so that the grain and texture of cloth or skin do not stop it (at full
/// resolution they did: on samples/migrant-mother-1936.jpg a sleeve hint's region covered a tenth
/// of the sleeve). The weight is 1 up to half of the reach, then falls smoothly to 0 at the reach
/// (`reach` × the short side). With several local hints, the distance is to the nearest one.
///
/// `edgeCost` 2 and `reach` 1.5 were chosen on 60 training photos (bsds500, CamVid, Intel scenes,
/// ImageNet, ShanghaiTech, Wikipedia; not the development photos), protocol A, every hint local,
/// as the widest region whose one-hint leak share stays under 15 %: one-hint reach 6.2 ab, leak
/// share 13.5 %, PSNR@1 / @10 −0.43 / −0.19 dB against `similar` (reach 8.5, share 29.6 %). The
/// first values, 3 and 0.6, gave reach 2.4 and share 1 % at −2.4 dB at k = 10: a region too small
/// to be useful (docs/quality.md, "Hints that stay where they are put").
///
/// The colorizer runs its passes with every hint and again without the local ones, and keeps the
/// difference (what the local hints changed) only under this weight: outside the region a local
/// hint changes nothing at all; inside it, the network still decides which pixels take its colour.
public enum LocalHintRegion {
    /// Pixels of walking per L* unit of edge crossed.
    public static let edgeCost: Float = 2
    /// Farthest reach, as a fraction of the image's short side.
    public static let reach: Float = 1.5

    /// Weights in [0, 1] at L's size; `hints` are in L's pixel coordinates.
    public static func weights(L: PlanarImage, hints: [Hint]) -> PlanarImage {
        let W = L.width, H = L.height
        guard !hints.isEmpty, W > 0, H > 0 else { return PlanarImage(width: W, height: H, channels: 1) }
        let f = min(W, H) >= 64 ? 2 : 1  // half resolution, unless the image is tiny
        let w = max(1, W / f), h = max(1, H / f)
        var small = f == 1 ? L : resizeArea(L, width: w, height: h)
        small = small.boxFiltered(radius: 1, edges: .replicate).boxFiltered(radius: 1, edges: .replicate)
        let seeds = hints.map { $0.scaled(fromWidth: W, fromHeight: H, toWidth: w, toHeight: h) }
        let d = distance(L: small, hints: seeds)
        var out = PlanarImage(width: w, height: h, channels: 1)
        let D = reach * Float(min(W, H)), half = D / 2
        for i in 0..<w * h {
            let t = min(max((D - d[i] * Float(f)) / max(half, 1e-3), 0), 1)  // 1 within D/2, 0 beyond D
            out.data[i] = t * t * (3 - 2 * t)
        }
        return f == 1 ? out : resizeBilinear(out, width: W, height: H)
    }

    /// Geodesic distance (pixels) from the hints' patches, by raster-scan chamfer passes over
    /// 8-neighbourhoods (forward, backward, repeated until nothing changes or 6 rounds); `L` is used as is.
    static func distance(L: PlanarImage, hints: [Hint]) -> [Float] {
        let W = L.width, H = L.height
        let l = L.data[0..<W * H].map { $0 * edgeCost }
        var d = [Float](repeating: .infinity, count: W * H)
        for h in hints {
            for y in max(0, h.y)..<min(H, h.y + h.size) {
                for x in max(0, h.x)..<min(W, h.x + h.size) { d[y * W + x] = 0 }
            }
        }
        // Neighbour offsets visited by the forward pass (already-updated pixels); backward mirrors them.
        let forward: [(dx: Int, dy: Int)] = [(-1, 0), (-1, -1), (0, -1), (1, -1)]
        let spatial = forward.map { Float($0.dx * $0.dx + $0.dy * $0.dy) }
        for _ in 0..<6 {
            var changed = false
            for pass in 0..<2 {
                let sign = pass == 0 ? 1 : -1
                for yy in 0..<H {
                    let y = pass == 0 ? yy : H - 1 - yy
                    for xx in 0..<W {
                        let x = pass == 0 ? xx : W - 1 - xx
                        let i = y * W + x
                        var best = d[i]
                        for (k, o) in forward.enumerated() {
                            let nx = x + sign * o.dx, ny = y + sign * o.dy
                            guard nx >= 0, nx < W, ny >= 0, ny < H else { continue }
                            let j = ny * W + nx
                            let dl = l[i] - l[j]
                            let cand = d[j] + (spatial[k] + dl * dl).squareRoot()
                            if cand < best { best = cand }
                        }
                        if best < d[i] {
                            d[i] = best
                            changed = true
                        }
                    }
                }
            }
            if !changed { break }
        }
        return d
    }
}
