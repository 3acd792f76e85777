import Foundation
import Testing
import FindColorImage
@testable import FindColor

@Suite struct HintParsing {
    @Test func parsesBothColourForms() throws {
        let json = ##"{"hints": [{"x": 120, "y": 64, "size": 6, "ab": [12.5, -30.0]}, {"x": 10, "y": 200, "size": 3, "color": "#a03020"}, {"x": 0, "y": 0, "ab": [0, 0]}]}"##
        let h = try HintParser.parse(Data(json.utf8), imageWidth: 300, imageHeight: 300)
        #expect(h.count == 3)
        #expect(h[0] == Hint(x: 120, y: 64, size: 6, a: 12.5, b: -30))
        #expect(h[2].size == 1)
        let lab = CIELab.lab(fromSRGB: RGBColor(r: 0xa0 / 255.0, g: 0x30 / 255.0, b: 0x20 / 255.0))
        #expect(abs(h[1].a - lab.a) < 1e-4 && abs(h[1].b - lab.b) < 1e-4)
        #expect(h[1].a > 30 && h[1].b > 20)  // a brick red
    }

    @Test func roundTripsThroughEncode() throws {
        let hints = [Hint(x: 3, y: 4, size: 2, a: -20.5, b: 40), Hint(x: 9, y: 9, a: 1, b: 2)]
        let back = try HintParser.parse(HintParser.encode(hints), imageWidth: 20, imageHeight: 20)
        #expect(back == hints)
    }

    @Test(arguments: [
        ("not json", "not valid JSON"),
        (##"[1, 2]"##, "expected an object"),
        (##"{"hints": 3}"##, "must be an array"),
        (##"{"hints": [{"y": 1, "ab": [0, 0]}]}"##, "missing \"x\""),
        (##"{"hints": [{"x": 1.5, "y": 1, "ab": [0, 0]}]}"##, "must be an integer"),
        (##"{"hints": [{"x": 1, "y": 1}]}"##, "exactly one of"),
        (##"{"hints": [{"x": 1, "y": 1, "ab": [0, 0], "color": "#fff"}]}"##, "exactly one of"),
        (##"{"hints": [{"x": 1, "y": 1, "ab": [0]}]}"##, "two numbers"),
        (##"{"hints": [{"x": 1, "y": 1, "color": "red"}]}"##, "hex colour"),
        (##"{"hints": [{"x": 95, "y": 1, "size": 6, "ab": [0, 0]}]}"##, "outside the 100×80 image"),
        (##"{"hints": [{"x": -1, "y": 1, "ab": [0, 0]}]}"##, "outside"),
        (##"{"hints": [{"x": 1, "y": 1, "size": 0, "ab": [0, 0]}]}"##, "size must be at least 1"),
        (##"{"hints": [{"x": 1, "y": 1, "ab": [200, 0]}]}"##, "out of range"),
        // Integer overflow must not pass the bounds check (x + size wraps around with Int.max).
        (##"{"hints": [{"x": 9223372036854775807, "y": 1, "size": 1, "ab": [0, 0]}]}"##, "out of range"),
        (##"{"hints": [{"x": 1, "y": 1, "size": 9223372036854775807, "ab": [0, 0]}]}"##, "out of range"),
        (##"{"hints": [{"x": -9223372036854775808, "y": 1, "ab": [0, 0]}]}"##, "out of range"),
        (##"{"hints": [{"x": 1, "y": 1, "ab": [1e400, 0]}]}"##, "the number 1e400 is out of range"),
        (##"{"hints": [{"x": 1 "y": 1, "ab": [0, 0]}]}"##, "not valid JSON ("),
        (##"{"hints": [{"x": 1, "y": 1, "ab": [0, 0], "colour": "#fff"}]}"##, "unknown field \"colour\""),
        (##"{"hints": [], "extra": 1}"##, "unknown field \"extra\""),
        (##"{"hints": [{"x": "1", "y": 1, "ab": [0, 0]}]}"##, "must be an integer, got a string"),
        (##"{"hints": [{"x": 1, "y": 1, "ab": [0, 0], "spread": "everywhere"}]}"##, "\"similar\" or \"local\""),
        (##"{"hints": [{"x": 1, "y": 1, "ab": [0, 0], "id": "nope"}]}"##, "UUID"),
        ("", "empty"),
    ])
    func rejectsBadHints(json: String, message: String) {
        do {
            _ = try HintParser.parse(Data(json.utf8), imageWidth: 100, imageHeight: 80)
            Issue.record("accepted \(json)")
        } catch let e as FindColorError {
            #expect(e.description.contains(message), "\(e.description)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func spreadAndIdsAreRead() throws {
        let id = "8F4C1D3E-2B6A-4C9D-9E7F-0A1B2C3D4E5F"
        let json = ##"{"hints": [{"x": 1, "y": 2, "ab": [3, 4], "spread": "local", "id": "\##(id)"}, {"x": 5, "y": 6, "ab": [7, 8]}]}"##
        let entries = try HintParser.parseList(Data(json.utf8))
        #expect(entries[0].hint == Hint(x: 1, y: 2, a: 3, b: 4, spread: .local))
        #expect(entries[0].id == id.lowercased())
        #expect(entries[1].hint.spread == .similar && entries[1].id == nil)
        let dup = ##"{"hints": [{"x": 1, "y": 2, "ab": [3, 4], "id": "\##(id)"}, {"x": 1, "y": 2, "ab": [3, 4], "id": "\##(id.lowercased())"}]}"##
        #expect(throws: FindColorError.self) { try HintParser.parseList(Data(dup.utf8)) }
        // A local hint survives encoding.
        let back = try HintParser.parse(HintParser.encode(entries.map(\.hint)), imageWidth: 20, imageHeight: 20)
        #expect(back == entries.map(\.hint))
    }

    @Test func mergeChangesOnlyWhatIsGiven() throws {
        let h = Hint(x: 3, y: 4, size: 2, a: 10, b: 20)
        #expect(try HintParser.merge(Data(##"{"x": 7}"##.utf8), into: h) == Hint(x: 7, y: 4, size: 2, a: 10, b: 20))
        #expect(try HintParser.merge(Data(##"{"spread": "local", "ab": [1, 2]}"##.utf8), into: h)
                == Hint(x: 3, y: 4, size: 2, a: 1, b: 2, spread: .local))
        for bad in [##"{}"##, ##"{"ab": [1, 2], "color": "#fff"}"##, ##"{"x": 1.5}"##, ##"{"z": 1}"##,
                    ##"{"x": 9223372036854775807}"##, ##"[1]"##] {
            #expect(throws: FindColorError.self, "\(bad)") { try HintParser.merge(Data(bad.utf8), into: h) }
        }
    }

    @Test func oversizedDocumentsAreRefusedBeforeParsing() {
        // 5 MB of whitespace inside a valid document: refused by its size, not parsed.
        var big = Data(##"{"hints": ["##.utf8)
        big.append(Data(repeating: 0x20, count: 5 * 1024 * 1024))
        big.append(Data("]}".utf8))
        do {
            _ = try HintParser.parseList(big)
            Issue.record("accepted a 5 MB document")
        } catch let e as FindColorError {
            #expect(e.description.contains("at most \(HintParser.maxBytes)"))
        } catch { Issue.record("\(error)") }
        // More than maxHints hints: refused with the count.
        let many = "{\"hints\": [" + Array(repeating: "{\"x\":0,\"y\":0,\"ab\":[0,0]}", count: HintParser.maxHints + 1).joined(separator: ",") + "]}"
        #expect(throws: FindColorError.invalidHints("\(HintParser.maxHints + 1) hints; at most \(HintParser.maxHints) are accepted")) {
            try HintParser.parseList(Data(many.utf8))
        }
    }

    @Test func previewAndRasterScaleHintsAlike() {
        // One scaling rule: the raster of a hint equals the raster of the scaled hint at full size.
        let h = Hint(x: 101, y: 37, size: 7, a: 20, b: -5)
        let direct = HintRaster.rasterize([h], sourceWidth: 640, sourceHeight: 480, width: 200, height: 150, abScale: 110)
        let viaScaled = HintRaster.rasterize([h.scaled(fromWidth: 640, fromHeight: 480, toWidth: 200, toHeight: 150)],
                                             sourceWidth: 200, sourceHeight: 150, width: 200, height: 150, abScale: 110)
        #expect(direct.data == viaScaled.data)
    }

    @Test func rasterKeepsAreaAndPosition() {
        // A 6×6 patch at (100, 50) in a 512×256 photo, mapped to 256×128: a 3×3 patch at (50, 25).
        let r = HintRaster.rasterize([Hint(x: 100, y: 50, size: 6, a: 55, b: -11)], sourceWidth: 512, sourceHeight: 256, width: 256, height: 128, abScale: 110)
        let n = r.planeSize
        let marked = (0..<n).filter { r.data[2 * n + $0] == 1 }
        #expect(marked.count == 9)
        #expect(marked.allSatisfy { (50...52).contains($0 % 256) && (25...27).contains($0 / 256) })
        #expect(abs(r.data[marked[0]] * 110 - 55) < 1e-4 && abs(r.data[n + marked[0]] * 110 + 11) < 1e-4)
        // A 1-pixel hint never disappears when downscaling.
        let tiny = HintRaster.rasterize([Hint(x: 511, y: 255, a: 1, b: 1)], sourceWidth: 512, sourceHeight: 256, width: 64, height: 32, abScale: 110)
        #expect(tiny.data[(2 * tiny.planeSize)...].reduce(0, +) == 1)
    }
}
