import FindColor
import FindColorImage
import Foundation
import Testing

@testable import FindColorServer

extension ServerTests {
    /// What a project's renders keep from one hint change to the next (`RenderPhoto`): the photo's
    /// L* at full size and at the preview's size, in the decoded-image cache under the photo's digest.
    @Suite struct RenderPhotoTests {
        /// Counts how often the photo had to be produced (decoded, repaired).
        final class Source: @unchecked Sendable {
            let image: PlanarImage
            private let lock = NSLock()
            private var made = 0
            init(_ image: PlanarImage) { self.image = image }
            var count: Int { lock.withLock { made } }
            func make() -> PlanarImage {
                lock.withLock { made += 1 }
                return image
            }
        }

        static func photo(width: Int, height: Int, channels: Int, seed: Int) -> PlanarImage {
            PlanarImage(width: width, height: height, channels: channels) { x, y, c in
                Float((x * 7 + y * 13 + c * 29 + seed * 31) % 97) / 96
            }
        }

        @Test(arguments: [1, 3])
        func planesAreThoseOfThePhotoAndMadeOnce(channels: Int) throws {
            let images = DecodedImageCache(budgetSamples: 10_000_000)
            let source = Source(Self.photo(width: 600, height: 340, channels: channels, seed: 1))
            let photo = RenderPhoto(width: 600, height: 340, key: "digest-1", images: images) { source.make() }
            for _ in 0..<3 {
                #expect(try photo.lightness().data == lightness(of: source.image).data)
                let preview = try photo.previewLightness(256)
                let expected = Colorizer.previewLightness(of: source.image, shortSide: 256)
                #expect((preview.width, preview.height) == (452, 256))
                #expect(preview.data == expected.data)
            }
            #expect(source.count == 1)  // once for both planes (the preview's is the full one downscaled), never again
            // Another short side is another plane, from the same full-size L*.
            #expect(try photo.previewLightness(128).height == 128)
            #expect(source.count == 1)
            // A later render of the same photo (same digest) finds them all.
            let again = RenderPhoto(width: 600, height: 340, key: "digest-1", images: images) { source.make() }
            _ = try again.lightness()
            _ = try again.previewLightness(256)
            #expect(source.count == 1)
        }

        @Test func anotherPhotoIsAnotherKey() throws {
            let images = DecodedImageCache(budgetSamples: 10_000_000)
            let first = Source(Self.photo(width: 300, height: 200, channels: 1, seed: 1))
            let second = Source(Self.photo(width: 300, height: 200, channels: 1, seed: 2))
            let a = RenderPhoto(width: 300, height: 200, key: "digest-a", images: images) { first.make() }
            let b = RenderPhoto(width: 300, height: 200, key: "digest-b", images: images) { second.make() }
            #expect(try a.lightness().data == lightness(of: first.image).data)
            // The photo changed (a new digest): its own planes, not the old ones.
            #expect(try b.lightness().data == lightness(of: second.image).data)
            #expect(try b.previewLightness(64).data == Colorizer.previewLightness(of: second.image, shortSide: 64).data)
            #expect(try a.lightness().data != b.lightness().data)
            #expect(first.count == 1 && second.count == 1)
        }

        @Test func theCacheStaysWithinItsBudget() throws {
            // Room for about two full-size planes of 200×100: older photos' planes are dropped.
            let images = DecodedImageCache(budgetSamples: 45_000)
            for seed in 0..<6 {
                let source = Source(Self.photo(width: 200, height: 100, channels: 1, seed: seed))
                let photo = RenderPhoto(width: 200, height: 100, key: "digest-\(seed)", images: images) { source.make() }
                _ = try photo.lightness()
                _ = try photo.previewLightness(64)
                #expect(images.count <= 4)
            }
            // The oldest photo was evicted: asking again produces it again, with the same planes.
            let source = Source(Self.photo(width: 200, height: 100, channels: 1, seed: 0))
            let photo = RenderPhoto(width: 200, height: 100, key: "digest-0", images: images) { source.make() }
            #expect(try photo.lightness().data == lightness(of: source.image).data)
            #expect(source.count == 1)
        }

        /// A project's photo without repair: its L* is decoded from the file alone (a colour JPEG's
        /// RGB is never made or kept), with the values of the whole decode; when the decoded image is
        /// cached already, its L* is taken from it.
        @Test func aColourUploadIsDecodedToLightnessAlone() throws {
            let colour = Self.photo(width: 120, height: 80, channels: 3, seed: 4)
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("findcolor-lightness-\(UUID().uuidString).jpg")
            try ImageCodec.encode(colour, as: .jpeg(quality: 90)).write(to: url)
            defer { try? FileManager.default.removeItem(at: url) }
            let expected = lightness(of: try ImageCodec.read(url: url).image)
            let images = DecodedImageCache(budgetSamples: 10_000_000)
            let L = try images.lightness(at: url, digest: "d", role: "photo", maxPixels: 1_000_000)
            #expect(L == expected)
            #expect(images.count == 0)  // no RGB image made or kept
            let photo = RenderPhoto(width: 120, height: 80, key: "d", images: images, image: { colour },
                                    lightness: { try images.lightness(at: url, digest: "d", role: "photo", maxPixels: 1_000_000) })
            #expect(try photo.lightness() == expected)
            #expect(images.count == 1)  // the render keeps the L* plane
            // From a cached decode (another cache): the same plane.
            let warm = DecodedImageCache(budgetSamples: 10_000_000)
            _ = try warm.image(at: url, digest: "d", role: "photo", maxPixels: 1_000_000)
            #expect(try warm.lightness(at: url, digest: "d", role: "photo", maxPixels: 1_000_000) == expected)
            // A missing file and a non-image say so.
            #expect(throws: StoreError.self) {
                try DecodedImageCache(budgetSamples: 1_000).lightness(at: url.appendingPathExtension("gone"), digest: "x", role: "photo", maxPixels: 1_000_000)
            }
            let text = url.deletingPathExtension().appendingPathExtension("txt")
            try Data("not an image".utf8).write(to: text)
            defer { try? FileManager.default.removeItem(at: text) }
            #expect(throws: (any Error).self) {
                try DecodedImageCache(budgetSamples: 1_000).lightness(at: text, digest: "y", role: "photo", maxPixels: 1_000_000)
            }
        }

        @Test func aPlaneLargerThanTheBudgetIsNotKept() throws {
            let images = DecodedImageCache(budgetSamples: 1_000)
            let source = Source(Self.photo(width: 200, height: 100, channels: 1, seed: 0))
            let photo = RenderPhoto(width: 200, height: 100, key: "digest", images: images) { source.make() }
            #expect(try photo.lightness().data == lightness(of: source.image).data)
            _ = try photo.lightness()
            #expect(source.count == 2)
            #expect(images.count == 0)
        }
    }
}
