import Testing
@testable import FindColorImage

/// The one box filter (`BoxFilter`), both edge rules, against a brute-force mean of every window.
@Suite struct BoxFilterTests {
    /// The mean over the `(2r + 1)²` window at (x, y), summed sample by sample: clipped to the image
    /// (mean of the pixels inside) or with the border pixels repeated outward.
    static func bruteForce(_ img: PlanarImage, radius r: Int, edges: BoxFilter.Edges) -> PlanarImage {
        var out = img
        for c in 0..<img.channels {
            for y in 0..<img.height {
                for x in 0..<img.width {
                    var sum = 0.0, count = 0
                    for dy in -r...r {
                        for dx in -r...r {
                            var sx = x + dx, sy = y + dy
                            switch edges {
                            case .clip:
                                guard (0..<img.width).contains(sx), (0..<img.height).contains(sy) else { continue }
                            case .replicate:
                                sx = min(max(sx, 0), img.width - 1)
                                sy = min(max(sy, 0), img.height - 1)
                            }
                            sum += Double(img[sx, sy, c])
                            count += 1
                        }
                    }
                    out[x, y, c] = Float(sum / Double(count))
                }
            }
        }
        return out
    }

    @Test(arguments: [BoxFilter.Edges.clip, .replicate])
    func matchesBruteForce(edges: BoxFilter.Edges) {
        var rng = SeededRandom(seed: 7)
        // Sizes smaller than the window, single rows and columns, and ordinary ones.
        for (w, h) in [(1, 1), (1, 9), (9, 1), (2, 3), (13, 8), (31, 17)] {
            let img = PlanarImage(width: w, height: h, channels: 2) { _, _, _ in Float.random(in: -50...100, using: &rng) }
            for r in [0, 1, 2, 3, 7, 20] {
                let fast = img.boxFiltered(radius: r, edges: edges)
                let slow = Self.bruteForce(img, radius: r, edges: edges)
                #expect(maxAbsDifference(fast.data, slow.data) < 1e-4, "\(w)×\(h), r = \(r), \(edges)")
            }
        }
    }

    /// The in-place mean (the guided filter's, with a shared scratch plane) gives exactly the
    /// values of the returning one, for both edge rules and radius 0.
    @Test(arguments: [BoxFilter.Edges.clip, .replicate])
    func inPlaceEqualsReturning(edges: BoxFilter.Edges) {
        var rng = SeededRandom(seed: 11)
        for (w, h) in [(1, 1), (9, 1), (13, 8), (64, 37)] {
            let plane = (0..<w * h).map { _ in Double.random(in: -50...100, using: &rng) }
            for r in [0, 1, 3, 40] {
                let expected = BoxFilter.mean(plane, width: w, height: h, radius: r, edges: edges)
                var inPlace = plane
                var scratch = [Double](repeating: .nan, count: w * h + 5)   // larger than needed is allowed
                inPlace.withUnsafeMutableBufferPointer { p in
                    scratch.withUnsafeMutableBufferPointer { s in
                        BoxFilter.meanInPlace(p, scratch: s, width: w, height: h, radius: r, edges: edges)
                    }
                }
                #expect(inPlace == expected, "\(w)×\(h), r = \(r), \(edges)")
            }
        }
    }

    /// Replicated edges keep a mask that touches the border at exactly 1 there, and a constant exact.
    @Test func replicatedEdgesKeepBorders() {
        var mask = PlanarImage(width: 12, height: 10, channels: 1)
        for y in 0..<10 { for x in 0..<4 { mask[x, y, 0] = 1 } }  // the left third
        let blurred = mask.boxFiltered(radius: 2, edges: .replicate)
        #expect((0..<10).allSatisfy { blurred[0, $0, 0] == 1 && blurred[1, $0, 0] == 1 })
        #expect((0..<10).allSatisfy { blurred[7, $0, 0] == 0 })
        #expect(abs(blurred[3, 4, 0] - 3 / 5) < 1e-6)  // columns 1…5: three of five inside
        let constant = PlanarImage(width: 9, height: 6, channels: 1, repeating: 0.25)
        #expect(constant.boxFiltered(radius: 4, edges: .replicate).data == constant.data)
    }
}
