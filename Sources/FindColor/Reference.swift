import Foundation
import FindColorParallel
import FindColorImage
import FindColorNN

/// The rules for a reference photo and its region mask, one copy for the CLI and the server.
extension ColorizeRequest {
    /// A reference photo needs at least this many pixels on each side.
    public static let minimumReferenceSide = 32

    /// A region mask from any decoded image (gray or colour; alpha is already composited over
    /// white): its lightness L*/100, so the region (> 0.5) is what is lighter than L* 50.
    public static func regionMask(from image: PlanarImage) -> PlanarImage {
        var mask = lightness(of: image)
        for i in 0..<mask.data.count { mask.data[i] = min(max(mask.data[i] / 100, 0), 1) }
        return mask
    }
}

/// Reference-based colourization: dense correspondences between the network's encoder features of
/// the target and of a colour reference photo (both from L*, so the gray target and the colour
/// reference are compared alike), kept where they are mutual nearest neighbours with a confident
/// similarity, and turned into single-pixel hints carrying the reference's colour — the kind of
/// dense, slightly noisy hints the network was trained with.
struct ReferenceMatcher {
    let colorizer: Colorizer
    /// Minimum cosine similarity of a kept match (features centred on their joint mean).
    var minSimilarity: Float = 0.35
    /// Reference hints closer than this (working pixels) to a user hint are dropped.
    var userHintClearance: Double = 12

    struct ABStatistics {
        var mean: (Float, Float)
        var sd: (Float, Float)
    }

    struct Result {
        /// In the target's (full-resolution) pixel coordinates.
        var hints: [Hint]
        var referenceStatistics: ABStatistics
        /// Matched / candidate feature cells.
        var matched: Int
        var candidates: Int
    }

    func hints(target L: PlanarImage, reference: PlanarImage, region: PlanarImage?, userHints: [Hint],
               shortSide: Int) throws -> Result {
        // Target and reference at the same working scale.
        let (tw, th) = Colorizer.fit(width: L.width, height: L.height, shortSide: shortSide)
        let Lt = tw == L.width && th == L.height ? L : resizeArea(L, width: tw, height: th)
        let (rw, rh) = Colorizer.fit(width: reference.width, height: reference.height, shortSide: shortSide)
        let ref = rw == reference.width && rh == reference.height ? reference : resizeArea(reference, width: rw, height: rh)
        let refLab = srgbToLab(ref)
        let Lr = refLab.channel(0)

        let ft = features(Lt, keep: true), fr = features(Lr, keep: false)
        let cell = 8  // the /8 feature grid
        // Valid cells (inside the unpadded image), and for the target inside the region.
        let tCells = cells(width: tw, height: th, fw: ft.w, fh: ft.h, cell: cell) { x, y in
            guard let region else { return true }
            let fx = min(region.width - 1, x * region.width / tw), fy = min(region.height - 1, y * region.height / th)
            return region[fx, fy, 0] > 0.5
        }
        let rCells = cells(width: rw, height: rh, fw: fr.w, fh: fr.h, cell: cell) { _, _ in true }
        guard !tCells.isEmpty else { throw FindColorError.invalidRegion("the region is smaller than one matching cell") }
        guard !rCells.isEmpty else { throw FindColorError.invalidReference("the reference is too small to match") }

        let C = ft.c
        var a = gather(ft, tCells), b = gather(fr, rCells)
        // Centre on the joint mean, then L2-normalise: cosine similarity of the deviations.
        var mean = [Float](repeating: 0, count: C)
        for v in [a, b] { for i in 0..<v.count { mean[i % C] += v[i] } }
        let total = Float(tCells.count + rCells.count)
        for c in 0..<C { mean[c] /= total }
        normalise(&a, mean: mean, C: C)
        normalise(&b, mean: mean, C: C)

        let (bestR, bestRSim) = argmaxRows(a, b, C: C)   // for each target cell, best reference cell
        let (bestT, _) = argmaxRows(b, a, C: C)          // for each reference cell, best target cell

        // Reference ab per cell (mean over the cell).
        let n = rw * rh
        var hints: [Hint] = []
        let sx = Double(L.width) / Double(tw), sy = Double(L.height) / Double(th)
        let side = max(1, Int((sx * sy).squareRoot().rounded()))
        let userCentres = userHints.map { (Double($0.x + $0.size / 2) / sx, Double($0.y + $0.size / 2) / sy) }
        var matched = 0
        for (ti, t) in tCells.enumerated() {
            let ri = bestR[ti]
            guard bestT[ri] == ti, bestRSim[ti] >= minSimilarity else { continue }
            let r = rCells[ri]
            var sa: Float = 0, sb: Float = 0, cnt: Float = 0
            for y in r.y * cell..<min(rh, (r.y + 1) * cell) {
                for x in r.x * cell..<min(rw, (r.x + 1) * cell) {
                    sa += refLab.data[n + y * rw + x]
                    sb += refLab.data[2 * n + y * rw + x]
                    cnt += 1
                }
            }
            guard cnt > 0 else { continue }
            let cx = min(tw - 1, t.x * cell + cell / 2), cy = min(th - 1, t.y * cell + cell / 2)
            if userCentres.contains(where: { hypot($0.0 - Double(cx), $0.1 - Double(cy)) < userHintClearance }) { continue }
            let x = min(L.width - side, Int(Double(cx) * sx)), y = min(L.height - side, Int(Double(cy) * sy))
            hints.append(Hint(x: max(0, x), y: max(0, y), size: side, a: sa / cnt, b: sb / cnt))
            matched += 1
        }
        return Result(hints: hints, referenceStatistics: Self.statistics(refLab), matched: matched, candidates: tCells.count)
    }

    /// The matching features of L. For a model whose encoder does not see the hints they come from
    /// the encoding of L, which `keep` (the target's) leaves in the colorizer's `PassCache`: the
    /// image-wise pass over the same L* at the same working size then runs only the decoder.
    func features(_ L: PlanarImage, keep: Bool) -> Tensor {
        let network = colorizer.network, input = colorizer.networkInput(L)
        if !network.encoderSeesHints {
            let encoding = keep ? colorizer.passCache?.encoding(of: L) { network.encode(L: input) } : nil
            if let encoding = encoding ?? network.encode(L: input) { return network.matchingFeatures(encoding) }
        }
        return network.matchingFeatures(L: input)
    }

    struct Cell { var x: Int; var y: Int }

    func cells(width: Int, height: Int, fw: Int, fh: Int, cell: Int, keep: (Int, Int) -> Bool) -> [Cell] {
        var out: [Cell] = []
        for y in 0..<min(fh, (height + cell - 1) / cell) {
            for x in 0..<min(fw, (width + cell - 1) / cell) {
                let cx = min(width - 1, x * cell + cell / 2), cy = min(height - 1, y * cell + cell / 2)
                if keep(cx, cy) { out.append(Cell(x: x, y: y)) }
            }
        }
        return out
    }

    func gather(_ f: Tensor, _ cells: [Cell]) -> [Float] {
        var out = [Float](repeating: 0, count: cells.count * f.c)
        f.withUnsafeBufferPointer { p in
            for (i, c) in cells.enumerated() {
                let base = (c.y * f.w + c.x) * f.c
                for k in 0..<f.c { out[i * f.c + k] = p[base + k] }
            }
        }
        return out
    }

    func normalise(_ v: inout [Float], mean: [Float], C: Int) {
        for i in 0..<(v.count / C) {
            var s: Float = 0
            for k in 0..<C {
                v[i * C + k] -= mean[k]
                s += v[i * C + k] * v[i * C + k]
            }
            let inv = 1 / max(s.squareRoot(), 1e-6)
            for k in 0..<C { v[i * C + k] *= inv }
        }
    }

    /// For each row vector of `a`, the index and similarity of the most similar row of `b`.
    func argmaxRows(_ a: [Float], _ b: [Float], C: Int) -> ([Int], [Float]) {
        let na = a.count / C, nb = b.count / C
        var best = [Int](repeating: 0, count: na), sim = [Float](repeating: -2, count: na)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                best.withUnsafeMutableBufferPointer { pbest in
                    sim.withUnsafeMutableBufferPointer { psim in
                        nonisolated(unsafe) let A = pa.baseAddress!, B = pb.baseAddress!
                        nonisolated(unsafe) let OB = pbest.baseAddress!, OS = psim.baseAddress!
                        Parallel.forEachRange(na, minimumChunk: max(1, 65_536 / max(1, nb * C))) { rows in
                            for i in rows {
                                var bi = 0, bs: Float = -2
                                let ai = A + i * C
                                for j in 0..<nb {
                                    let bj = B + j * C
                                    var s: Float = 0
                                    for k in 0..<C { s += ai[k] * bj[k] }
                                    if s > bs { bs = s; bi = j }
                                }
                                OB[i] = bi
                                OS[i] = bs
                            }
                        }
                    }
                }
            }
        }
        return (best, sim)
    }

    static func statistics(_ lab: PlanarImage) -> ABStatistics {
        let n = lab.planeSize
        var m = (0.0, 0.0), q = (0.0, 0.0)
        for i in 0..<n {
            let a = Double(lab.data[n + i]), b = Double(lab.data[2 * n + i])
            m.0 += a; m.1 += b; q.0 += a * a; q.1 += b * b
        }
        let N = Double(max(1, n))
        let ma = m.0 / N, mb = m.1 / N
        return ABStatistics(mean: (Float(ma), Float(mb)),
                            sd: (Float(max(0, q.0 / N - ma * ma).squareRoot()), Float(max(0, q.1 / N - mb * mb).squareRoot())))
    }

    /// Global colour transfer: shifts and scales a*, b* (weighted by `weights` where given) so that
    /// their mean and spread match the reference's; the spread ratio is kept within 0.5…2.
    static func transfer(_ ab: PlanarImage, to s: ABStatistics, weights: PlanarImage?) -> PlanarImage {
        let n = ab.planeSize
        var out = ab
        for c in 0..<2 {
            var sw = 0.0, sm = 0.0, sq = 0.0
            for i in 0..<n {
                let w = Double(weights?.data[i] ?? 1), v = Double(ab.data[c * n + i])
                sw += w; sm += w * v; sq += w * v * v
            }
            guard sw > 0 else { return ab }
            let mean = sm / sw, sd = max(0, sq / sw - mean * mean).squareRoot()
            let target = c == 0 ? (s.mean.0, s.sd.0) : (s.mean.1, s.sd.1)
            let ratio = Float(min(2, max(0.5, sd > 1e-3 ? Double(target.1) / sd : 1)))
            for i in 0..<n {
                out.data[c * n + i] = (ab.data[c * n + i] - Float(mean)) * ratio + target.0
            }
        }
        return out
    }
}
