import Foundation

/// Fast-marching inpainting after Telea ("An Image Inpainting Technique Based on the Fast Marching
/// Method", Journal of Graphics Tools 9(1), 2004), the `Inpainting.Method.fastMarching` fill.
///
/// The holes are filled from their border inward in order of the distance `T` to the border,
/// computed on the fly by the fast marching method (Sethian): a min-heap holds the "band" of hole
/// pixels next to known ones with a tentative `T` from the upwind solution of `|∇T| = 1`; the
/// smallest is finalised, painted, and its unknown neighbours are (re)estimated.
///
/// A pixel p is painted from every known pixel q within `radius` (original or already painted) as
/// a weighted mean of first-order extrapolations:
///
///     I(p) = Σ w(p,q) · (I(q) + ∇I(q)·(p − q)) / Σ w(p,q)
///     w    = dir · dst · lev
///     dir  = max(|N(p)·(p − q)| / |p − q|, 0.05)   N = ∇T/|∇T|, the normal of the level set
///     dst  = 1 / |p − q|²                          nearer samples count more
///     lev  = 1 / (1 + |T(q) − T(p)|)               samples on the same level set count more
///
/// `∇I(q)` is a central difference where both neighbours of q are known, one-sided where one is.
/// The direction term makes structures that cross the border continue into the hole (isophotes
/// are carried along the normal). The result is clamped to the range of the samples used, so the
/// extrapolation cannot overshoot.
///
/// Work is confined to the bounding box of the holes grown by `radius + 2` pixels; inside it one
/// Float plane holds `T` and the state of each pixel (`0 ≤ T < ∞` known, `T < 0` in the band with
/// tentative distance `−T`, `+∞` not reached yet). The marching itself is sequential: the cost is
/// O(holes · radius² + holes · log holes).
enum FastMarchingFill {
    /// Fills `holes` (indices into the `width × height` plane `pixels`) in place; `mask` marks them
    /// (> 0.5). Every other pixel of `pixels` must be finite.
    static func fill(_ pixels: inout [Float], width: Int, height: Int, mask: [Float], holes: [Int32],
                     radius: Int, extrapolate: Bool = true) {
        precondition(pixels.count == width * height && mask.count == pixels.count && radius >= 1)
        guard !holes.isEmpty else { return }

        // The holes' bounding box, grown so that every pixel read (a neighbour of a sample within
        // `radius`) lies inside it or outside the image.
        var minX = width, maxX = -1, minY = height, maxY = -1
        for i32 in holes {
            let i = Int(i32), x = i % width, y = i / width
            minX = min(minX, x); maxX = max(maxX, x)
            minY = min(minY, y); maxY = max(maxY, y)
        }
        let margin = radius + 2
        let bx = max(minX - margin, 0), by = max(minY - margin, 0)
        let bw = min(maxX + margin, width - 1) - bx + 1, bh = min(maxY + margin, height - 1) - by + 1

        // T: 0 for known pixels, +∞ for holes (not reached yet), −t for the band.
        var T = [Float](repeating: 0, count: bw * bh)
        for i32 in holes {
            let i = Int(i32)
            T[(i / width - by) * bw + (i % width - bx)] = .infinity
        }

        // The disk of sample offsets, nearest first.
        var disk: [(dx: Int, dy: Int, inverseSquared: Float, inverseLength: Float)] = []
        for dy in -radius...radius {
            for dx in -radius...radius where (dx != 0 || dy != 0) && dx * dx + dy * dy <= radius * radius {
                let d2 = Float(dx * dx + dy * dy)
                disk.append((dx, dy, 1 / d2, 1 / d2.squareRoot()))
            }
        }
        disk.sort { $0.dx * $0.dx + $0.dy * $0.dy < $1.dx * $1.dx + $1.dy * $1.dy }

        var heap = MinHeap()
        T.withUnsafeMutableBufferPointer { t in
            pixels.withUnsafeMutableBufferPointer { image in
                // Local (x, y) in the box → global sample index.
                @inline(__always) func global(_ x: Int, _ y: Int) -> Int { (by + y) * width + bx + x }
                @inline(__always) func inBox(_ x: Int, _ y: Int) -> Bool { x >= 0 && y >= 0 && x < bw && y < bh }
                @inline(__always) func known(_ x: Int, _ y: Int) -> Bool {
                    inBox(x, y) && t[y * bw + x] >= 0 && t[y * bw + x] < .infinity
                }

                /// The upwind solution of |∇T| = 1 at (x, y) from its known neighbours.
                func solve(_ x: Int, _ y: Int) -> Float {
                    var a = Float.infinity, b = Float.infinity
                    if known(x - 1, y) { a = t[y * bw + x - 1] }
                    if known(x + 1, y) { a = min(a, t[y * bw + x + 1]) }
                    if known(x, y - 1) { b = t[(y - 1) * bw + x] }
                    if known(x, y + 1) { b = min(b, t[(y + 1) * bw + x]) }
                    if a < .infinity && b < .infinity && abs(a - b) < 1 {
                        let d = a - b
                        return (a + b + (2 - d * d).squareRoot()) / 2
                    }
                    return min(a, b) + 1
                }

                /// The distance of a pixel that is known or in the band (nil when not reached).
                @inline(__always) func distance(_ x: Int, _ y: Int) -> Float? {
                    guard inBox(x, y) else { return nil }
                    let v = t[y * bw + x]
                    return v < .infinity ? abs(v) : nil
                }

                /// A finite difference along one axis at (x, y): central, one-sided or none.
                @inline(__always) func gradient(_ x: Int, _ y: Int, dx: Int, dy: Int) -> Float {
                    let back = known(x - dx, y - dy), ahead = known(x + dx, y + dy)
                    if back && ahead { return (image[global(x + dx, y + dy)] - image[global(x - dx, y - dy)]) / 2 }
                    if ahead { return image[global(x + dx, y + dy)] - image[global(x, y)] }
                    if back { return image[global(x, y)] - image[global(x - dx, y - dy)] }
                    return 0
                }

                func paint(_ x: Int, _ y: Int, _ tp: Float) {
                    // The level set's normal from the distances of the neighbours.
                    func axis(_ dx: Int, _ dy: Int) -> Float {
                        let back = distance(x - dx, y - dy), ahead = distance(x + dx, y + dy)
                        if let back, let ahead { return (ahead - back) / 2 }
                        if let ahead { return ahead - tp }
                        if let back { return tp - back }
                        return 0
                    }
                    var nx = axis(1, 0), ny = axis(0, 1)
                    let norm = (nx * nx + ny * ny).squareRoot()
                    if norm > 1e-6 { nx /= norm; ny /= norm } else { nx = 0; ny = 0 }
                    let hasNormal = norm > 1e-6

                    var sum: Float = 0, weights: Float = 0
                    var lo = Float.infinity, hi = -Float.infinity
                    for s in disk {
                        let qx = x + s.dx, qy = y + s.dy
                        guard known(qx, qy) else { continue }
                        let value = image[global(qx, qy)]
                        lo = min(lo, value)
                        hi = max(hi, value)
                        // r = p − q = (−dx, −dy).
                        let direction = hasNormal ? max(abs(-Float(s.dx) * nx - Float(s.dy) * ny) * s.inverseLength, 0.05) : 1
                        let level = 1 / (1 + abs(t[qy * bw + qx] - tp))
                        let w = direction * s.inverseSquared * level
                        var estimate = value
                        if extrapolate {
                            estimate -= gradient(qx, qy, dx: 1, dy: 0) * Float(s.dx) + gradient(qx, qy, dx: 0, dy: 1) * Float(s.dy)
                        }
                        sum += w * estimate
                        weights += w
                    }
                    // A band pixel always has a known 4-neighbour, so `weights > 0`.
                    image[global(x, y)] = weights > 0 ? min(max(sum / weights, lo), hi) : 0
                }

                // The initial band: holes with a known 4-neighbour.
                for i32 in holes {
                    let i = Int(i32), x = i % width - bx, y = i / width - by
                    if known(x - 1, y) || known(x + 1, y) || known(x, y - 1) || known(x, y + 1) {
                        let d = solve(x, y)
                        t[y * bw + x] = -d
                        heap.push(d, Int32(y * bw + x))
                    }
                }

                while let entry = heap.pop() {
                    let (d, index) = entry
                    let li = Int(index)
                    guard t[li] == -d else { continue }  // stale entry (finalised or improved since)
                    let x = li % bw, y = li / bw
                    // Painted while still in the band, so that no gradient reads its old value.
                    paint(x, y, d)
                    t[li] = d
                    for k in 0..<4 {
                        let nx = x + (k == 0 ? -1 : k == 1 ? 1 : 0), ny = y + (k == 2 ? -1 : k == 3 ? 1 : 0)
                        guard inBox(nx, ny) else { continue }
                        let current = t[ny * bw + nx]
                        guard current < 0 || current == .infinity else { continue }  // known
                        let candidate = solve(nx, ny)
                        if current == .infinity || candidate < -current {
                            t[ny * bw + nx] = -candidate
                            heap.push(candidate, Int32(ny * bw + nx))
                        }
                    }
                }
            }
        }
    }

    /// A binary min-heap of (distance, local index), with lazy deletion by the caller.
    struct MinHeap {
        private var keys: [Float] = []
        private var items: [Int32] = []

        mutating func push(_ key: Float, _ item: Int32) {
            keys.append(key)
            items.append(item)
            var child = keys.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                if keys[parent] <= keys[child] { break }
                keys.swapAt(parent, child)
                items.swapAt(parent, child)
                child = parent
            }
        }

        mutating func pop() -> (Float, Int32)? {
            guard let top = keys.first else { return nil }
            let item = items[0]
            let lastKey = keys.removeLast(), lastItem = items.removeLast()
            if !keys.isEmpty {
                keys[0] = lastKey
                items[0] = lastItem
                var parent = 0
                let n = keys.count
                while true {
                    let left = 2 * parent + 1
                    if left >= n { break }
                    let right = left + 1
                    let child = right < n && keys[right] < keys[left] ? right : left
                    if keys[parent] <= keys[child] { break }
                    keys.swapAt(parent, child)
                    items.swapAt(parent, child)
                    parent = child
                }
            }
            return (top, item)
        }
    }
}
