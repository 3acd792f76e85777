import Foundation
import Testing
@testable import FindColorImage

@Suite struct PlanarImageTests {
    @Test func layoutIsChannelMajor() {
        let image = PlanarImage(width: 3, height: 2, channels: 2) { x, y, c in Float(c * 100 + y * 10 + x) }
        #expect(image.data == [0, 1, 2, 10, 11, 12, 100, 101, 102, 110, 111, 112])
        #expect(image[2, 1, 1] == 112)
        #expect(image.plane(1) == [100, 101, 102, 110, 111, 112])
        #expect(image.channels(1..<2) == image.channel(1))
        let stacked = PlanarImage(stacking: [image.channel(0), image.channel(1)])
        #expect(stacked == image)
        #expect(image.range.min == 0 && image.range.max == 112)
    }

    /// Stored 3 × 2 image `a b c / d e f` and the displayed result of each orientation.
    @Test func orientationsMatchTheEXIFDefinitions() {
        let (a, b, c, d, e, f): (Float, Float, Float, Float, Float, Float) = (1, 2, 3, 4, 5, 6)
        let stored = PlanarImage(width: 3, height: 2, channels: 1, data: [a, b, c, d, e, f])
        let expected: [Int: (width: Int, data: [Float])] = [
            1: (3, [a, b, c, d, e, f]),
            2: (3, [c, b, a, f, e, d]),  // mirrored left-right
            3: (3, [f, e, d, c, b, a]),  // rotated 180°
            4: (3, [d, e, f, a, b, c]),  // mirrored top-bottom
            5: (2, [a, d, b, e, c, f]),  // transposed
            6: (2, [d, a, e, b, f, c]),  // rotated 90° clockwise
            7: (2, [f, c, e, b, d, a]),  // transverse
            8: (2, [c, f, b, e, a, d]),  // rotated 90° counter-clockwise
        ]
        for (orientation, result) in expected {
            let shown = stored.applyingOrientation(orientation)
            #expect(shown.width == result.width, "orientation \(orientation)")
            #expect(shown.data == result.data, "orientation \(orientation)")
        }
        #expect(stored.applyingOrientation(0) == stored)
        #expect(stored.applyingOrientation(42) == stored)
    }

    @Test func orientationOfALargeMultiChannelImage() {
        let image = randomQuantizedImage(width: 300, height: 250, channels: 3, levels: 255, seed: 31)
        // Rotating clockwise four times is the identity; 6 then 8 undo each other.
        var r = image
        for _ in 0..<4 { r = r.applyingOrientation(6) }
        #expect(r == image)
        #expect(image.applyingOrientation(6).applyingOrientation(8) == image)
        #expect(image.applyingOrientation(5).applyingOrientation(5) == image)
    }
}

@Suite struct ImageCodecTests {
    @Test func formatDetection() throws {
        #expect(ImageFormat(detecting: Data([0xFF, 0xD8, 0xFF, 0xE0])) == .jpeg)
        #expect(ImageFormat(detecting: Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])) == .png)
        #expect(ImageFormat(detecting: Data([0x49, 0x49, 0x2A, 0x00])) == .tiff)
        #expect(ImageFormat(detecting: Data([0x4D, 0x4D, 0x00, 0x2A])) == .tiff)
        #expect(ImageFormat(detecting: Data([0x47, 0x49, 0x46, 0x38])) == nil)
        #expect(ImageFormat(detecting: Data([0xFF, 0xD8])) == nil)
        // A Data slice that does not start at index 0.
        let padded = Data([0, 0, 0xFF, 0xD8, 0xFF, 0xDB])
        #expect(ImageFormat(detecting: padded[2...]) == .jpeg)
    }

    @Test func decodingASliceWorks() throws {
        let png = try ImageCodec.encode(smoothImage(width: 10, height: 10, channels: 3), as: .png(bitDepth: 8))
        let wrapped = Data([1, 2, 3]) + png
        #expect(try ImageCodec.decode(wrapped[3...]).image.width == 10)
    }

    @Test func formatsFromFileExtensions() {
        #expect(ImageFormat(fileExtension: "JPG") == .jpeg)
        #expect(ImageFormat(fileExtension: ".jpeg") == .jpeg)
        #expect(ImageFormat(fileExtension: "tiff") == .tiff)
        #expect(ImageFormat(fileExtension: "webp") == nil)
        #expect(ImageFormat(url: URL(fileURLWithPath: "/x/photo.Png")) == .png)
        #expect(OutputFormat(fileExtension: "png") == .png(bitDepth: 8))
        #expect(OutputFormat(fileExtension: "jpg") == .jpeg(quality: 95))
        #expect(OutputFormat(fileExtension: "tif") == .tiff(bitDepth: 16))
        #expect(OutputFormat(fileExtension: "gif") == nil)
    }

    @Test func writeAndReadFilesAtomically() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("findcolor-image-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let image = randomQuantizedImage(width: 20, height: 10, channels: 3, levels: 65_535, seed: 41)
        for name in ["out.png", "out.tif", "out.jpg"] {
            let url = directory.appendingPathComponent(name)
            try ImageCodec.write(image, to: url)
            try ImageCodec.write(image, to: url) // overwriting works too
            let back = try ImageCodec.read(url: url)
            #expect(back.format == ImageFormat(url: url))
            #expect(back.image.width == 20 && back.image.height == 10)
        }
        // 16-bit TIFF is the default for .tif: exact.
        let tiff = try ImageCodec.read(url: directory.appendingPathComponent("out.tif"))
        #expect(levels(tiff.image, maxValue: 65_535) == levels(image, maxValue: 65_535))
        // Explicit format overrides the extension.
        let explicit = directory.appendingPathComponent("explicit.png")
        try ImageCodec.write(image, to: explicit, format: .png(bitDepth: 16))
        #expect(try ImageCodec.read(url: explicit).bitDepth == 16)
        // No temporary files are left behind.
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(names == ["explicit.png", "out.jpg", "out.png", "out.tif"])
    }

    /// One depth rule: `--format tiff` is the 16-bit TIFF that `-o x.tif` writes (it was 8-bit).
    @Test func formatNamesFollowTheExtensionDefaults() {
        #expect(OutputFormat(name: "tiff") == .tiff(bitDepth: 16))
        #expect(OutputFormat(name: "TIF") == OutputFormat(fileExtension: "tif"))
        #expect(OutputFormat(name: "png") == .png(bitDepth: 8))
        #expect(OutputFormat(name: "png16") == .png(bitDepth: 16))
        #expect(OutputFormat(name: "jpg", jpegQuality: 80) == .jpeg(quality: 80))
        #expect(OutputFormat(fileExtension: "jpeg", jpegQuality: 80) == .jpeg(quality: 80))
        #expect(OutputFormat(name: "webp") == nil && OutputFormat(name: "jpe") == nil)
    }

    @Test func fileErrorsAreImageErrors() {
        let missing = URL(fileURLWithPath: "/nonexistent-dir-\(UUID().uuidString)/photo.png")
        let readError = imageError { _ = try ImageCodec.read(url: missing) }
        guard case .io(let path, _)? = readError else {
            Issue.record("expected an io error, got \(String(describing: readError))")
            return
        }
        #expect(path == missing.path)
        let image = PlanarImage(width: 2, height: 2, channels: 1)
        #expect(imageError { try ImageCodec.write(image, to: missing) } != nil)
        let unknown = URL(fileURLWithPath: "/tmp/photo.webp")
        #expect(imageError { try ImageCodec.write(image, to: unknown) } != nil)
    }

    @Test func errorMessagesAreSingleLines() {
        let errors: [ImageError] = [
            .empty, .unrecognizedFormat, .zeroSize(format: .png),
            .tooLarge(format: .jpeg, width: Int.max, height: 3, maxPixels: 10),
            .corrupt(format: .tiff, detail: "line one\nline two\n"),
            .unsupported(format: .tiff, detail: "float samples"),
            .encodingFailed(format: .png, detail: ""),
            .invalidArgument("bad"), .io(path: "/x", detail: "No such file or directory"),
        ]
        for error in errors {
            #expect(!error.description.contains("\n"))
            #expect(!error.description.isEmpty)
        }
        #expect(ImageError.corrupt(format: .tiff, detail: "line one\nline two\n").description
            == "corrupt or truncated TIFF image: line one; line two")
    }
}
