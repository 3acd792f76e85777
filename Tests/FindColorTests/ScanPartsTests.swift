import Foundation
import Testing
import FindColorImage
@testable import FindColor

/// A scan of several photos is cut along its straight seams into the photos (`ScanParts`), and each
/// is coloured as if it were alone; one photo is never cut.
@Suite(.serialized) struct ScanPartsTests {
    static func sample(_ name: String) throws -> PlanarImage {
        try ImageCodec.read(url: Repo.root.appendingPathComponent("samples/\(name).jpg")).image
    }

    /// `w × h` crop of a sample photo at (x, y), area-resized to `side × side`, as L*.
    static func tile(_ photo: PlanarImage, x: Int, y: Int, w: Int, h: Int, side: Int) -> PlanarImage {
        lightness(of: resizeArea(photo.cropped(x: x, y: y, width: w, height: h), width: side, height: side))
    }

    /// Tiles side by side in a `columns`-wide grid (all the same size).
    static func mosaic(_ tiles: [PlanarImage], columns: Int) -> PlanarImage {
        let t = tiles[0].width, rows = (tiles.count + columns - 1) / columns
        return PlanarImage(width: columns * t, height: rows * t, channels: 1) { x, y, _ in
            let k = (y / t) * columns + x / t
            return k < tiles.count ? tiles[k][x % t, y % t, 0] : 50
        }
    }

    static func crops() throws -> [PlanarImage] {
        let detroit = try sample("detroit-1915"), mother = try sample("migrant-mother-1936"), solvay = try sample("solvay-1927")
        // Inside the prints (their own borders are seams too). Neighbours differ: two busy crowd
        // crops side by side (solvay's left and detroit's right) score a ratio of 2.7, under 4, and
        // would be left as one part.
        return [tile(detroit, x: 20, y: 20, w: 500, h: 500, side: 256), tile(mother, x: 150, y: 100, w: 600, h: 600, side: 256),
                tile(solvay, x: 20, y: 0, w: 430, h: 430, side: 256), tile(solvay, x: 570, y: 0, w: 430, h: 430, side: 256),
                tile(mother, x: 100, y: 380, w: 600, h: 600, side: 256), tile(detroit, x: 470, y: 30, w: 500, h: 500, side: 256)]
    }

    @Test func findsThePhotosOfAMosaic() throws {
        let scan = Self.mosaic(try Self.crops(), columns: 3)  // 768×512, six photos
        let parts = ScanParts.parts(of: scan)
        var expected: [ScanParts.Rect] = []
        for r in 0..<2 { for c in 0..<3 { expected.append(.init(x: c * 256, y: r * 256, width: 256, height: 256)) } }
        #expect(parts.sorted { ($0.y, $0.x) < ($1.y, $1.x) } == expected, "\(parts)")
        Self.expectTiling(parts, width: scan.width, height: scan.height)
    }

    /// Large scans are searched downsampled (here by 2, 1603 px → 801): the cuts still land on the
    /// seams' pixels, also where a seam is not on a multiple of the factor, and the parts tile the
    /// scan exactly (every pixel in one part).
    @Test func cutsAreExactInLargeScans() throws {
        let photos = try Self.crops()
        let big = photos.map { resizeBicubic($0, width: 801, height: 801) }  // odd: seams at 801
        var scan = Self.mosaic(Array(big.prefix(4)), columns: 2)  // 1602×1602
        scan = PlanarImage(width: 1603, height: 1603, channels: 1) { x, y, _ in scan[min(x, 1601), min(y, 1601), 0] }
        let parts = ScanParts.parts(of: scan).sorted { ($0.y, $0.x) < ($1.y, $1.x) }
        #expect(parts == [.init(x: 0, y: 0, width: 801, height: 801), .init(x: 801, y: 0, width: 802, height: 801),
                          .init(x: 0, y: 801, width: 801, height: 802), .init(x: 801, y: 801, width: 802, height: 802)],
                "\(parts)")
        Self.expectTiling(parts, width: 1603, height: 1603)
    }

    /// Every pixel of the photo lies in exactly one part.
    static func expectTiling(_ parts: [ScanParts.Rect], width: Int, height: Int) {
        var cover = [UInt8](repeating: 0, count: width * height)
        for r in parts { for y in r.y..<r.y + r.height { for x in r.x..<r.x + r.width { cover[y * width + x] += 1 } } }
        #expect(cover.allSatisfy { $0 == 1 }, "the parts do not tile the photo: \(parts)")
    }

    /// A film frame between black bars: the bars and the frame.
    @Test func findsAFrameBetweenBars() throws {
        let frame = lightness(of: try Self.sample("detroit-1915"))  // 1000×553
        let scan = PlanarImage(width: 1200, height: 553, channels: 1) { x, y, _ in
            x < 100 || x >= 1100 ? 2 : frame[x - 100, y, 0]
        }
        let parts = ScanParts.parts(of: scan).sorted { $0.x < $1.x }
        #expect(parts.map(\.x) == [0, 100, 1100] && parts.map(\.width) == [100, 1000, 100], "\(parts)")
    }

    /// One photo is one part: the three sample photos, and the synthetic scene without its straight
    /// full-width ground line (such a ruler-straight step across the whole photo is a seam by this
    /// rule; see the type's documentation).
    @Test func onePhotoIsNotCut() throws {
        for name in ["detroit-1915", "migrant-mother-1936", "solvay-1927"] {
            let L = lightness(of: try Self.sample(name))
            #expect(ScanParts.parts(of: L) == [.init(x: 0, y: 0, width: L.width, height: L.height)], "\(name)")
        }
        let noise = PlanarImage(width: 400, height: 300, channels: 1) { x, y, _ in
            Float((x &* 73 &+ y &* 151 &+ (x * y) % 97) % 100)  // texture with steps everywhere
        }
        #expect(ScanParts.parts(of: noise).count == 1)
    }

    /// Each photo of the scan gets the colours it gets alone (away from the seam, where the
    /// full-resolution guided upsampling reads across it), and a hint colours only its own photo, at
    /// the same place relative to it.
    @Test func eachPhotoIsColouredAsIfAlone() throws {
        let photos = try Self.crops()
        let left = resizeBicubic(photos[0], width: 300, height: 300), right = resizeBicubic(photos[1], width: 300, height: 300)
        let scan = Self.mosaic([left, right], columns: 2)  // 600×300, L*
        let colorizer = Shared.colorizer
        let red = Hint.ab(ofHex: "#c02828")!
        var request = ColorizeRequest()
        request.hints = [Hint(x: 450, y: 140, size: 8, a: red.a, b: red.b)]  // in the right photo
        let whole = try colorizer.colorize(lightness: scan, request).rgb
        request.hints = []
        let leftAlone = try colorizer.colorize(lightness: left, request).rgb
        request.hints = [Hint(x: 150, y: 140, size: 8, a: red.a, b: red.b)]
        let rightAlone = try colorizer.colorize(lightness: right, request).rgb
        let inner = 16  // pixels left out along the seam
        func meanDifference(_ a: PlanarImage, offset: Int, _ b: PlanarImage, columns: Range<Int>) -> Float {
            let la = srgbToLab(a), lb = srgbToLab(b)
            var s: Float = 0, n: Float = 0
            for y in 0..<300 {
                for x in columns {
                    for c in 1...2 { s += abs(la[x + offset, y, c] - lb[x, y, c]) }
                    n += 1
                }
            }
            return s / n
        }
        let dl = meanDifference(whole, offset: 0, leftAlone, columns: 0..<300 - inner)
        let dr = meanDifference(whole, offset: 300, rightAlone, columns: inner..<300)
        #expect(dl < 0.5 && dr < 0.5, "mean |Δab| left \(dl), right \(dr)")
        let hinted = meanAB(whole, x: 448, y: 138, width: 12, height: 12)
        #expect(hypot(hinted.0 - red.a, hinted.1 - red.b) < 20, "the hint is obeyed: \(hinted)")
        // Not cut when asked to colour the scan whole: then the left photo differs from alone.
        request.hints = []
        request.settings.overrides.splitParts = false
        let asOne = try colorizer.colorize(lightness: scan, request).rgb
        #expect(meanDifference(asOne, offset: 0, leftAlone, columns: 0..<300 - inner) > dl)
    }
}
