/// Growth of a defect mask into the halo of its defects: the soft edge of a scratch or a speck (its
/// blur, its anti-aliased border) is lighter or darker than the photo around it but fainter than
/// the defect's core, so a detector's mask tends to stop short of it, and a fill of the core alone
/// leaves a faint outline. A pixel within `radius` steps (8-connected) of the mask joins it when its
/// L* differs by at least `difference` from the mean of the pixels around it that lie outside the
/// grown zone (a window of `radius + 2` pixels each side): it stands out from the photo there, as
/// the defect next to it does. Pixels that match their surroundings (real texture at the mask's
/// edge) stay out.
public enum HaloGrowth {
    /// `mask` (1 channel, `l`'s size, > 0.5 = defect) with its halo pixels added (set to 1).
    public static func grow(_ l: PlanarImage, mask: PlanarImage, radius: Int, difference: Float) throws -> PlanarImage {
        var out = mask
        try growInPlace(l, mask: &out, radius: radius, difference: difference)
        return out
    }

    /// `grow` writing into `mask` (no copy of the plane when `mask` is not shared).
    public static func growInPlace(_ l: PlanarImage, mask: inout PlanarImage, radius: Int, difference: Float) throws {
        try RepairInput.checkLightness(l, operation: "halo growth")
        try RepairInput.checkMask(mask, for: l, operation: "halo growth")
        guard radius > 0 else { return }
        let W = l.width, H = l.height, threshold = RepairInput.maskThreshold
        // The zone within `radius` steps of the mask, and the ring of it outside the mask, found by
        // a breadth-first walk from the mask's pixels (cheap: only the mask's neighbourhood is seen).
        var zone = [UInt8](repeating: 0, count: W * H)
        var frontier: [Int] = []
        mask.data.withUnsafeBufferPointer { m in
            for y in 0..<H {
                // Most rows of a photo hold no defect: test each row whole first (vectorised).
                var any: UInt8 = 0
                for i in y * W ..< (y + 1) * W { any |= m[i] > threshold ? 1 : 0 }
                if any == 0 { continue }
                for i in y * W ..< (y + 1) * W where m[i] > threshold {
                    zone[i] = 1
                    frontier.append(i)
                }
            }
        }
        if frontier.isEmpty { return }
        var ring: [Int] = []
        for _ in 0..<radius {
            var next: [Int] = []
            for i in frontier {
                let x = i % W, y = i / W
                for yy in max(0, y - 1)...min(H - 1, y + 1) {
                    for xx in max(0, x - 1)...min(W - 1, x + 1) where zone[yy * W + xx] == 0 {
                        zone[yy * W + xx] = 1
                        next.append(yy * W + xx)
                    }
                }
            }
            ring += next
            frontier = next
        }
        let k = radius + 2
        for i in ring {
            let x = i % W, y = i / W
            var sum: Float = 0, n = 0
            for yy in max(0, y - k)...min(H - 1, y + k) {
                let row = yy * W
                for xx in max(0, x - k)...min(W - 1, x + k) where zone[row + xx] == 0 {
                    sum += l.data[row + xx]
                    n += 1
                }
            }
            if n > 0, abs(l.data[i] - sum / Float(n)) >= difference { mask.data[i] = 1 }
        }
    }
}
