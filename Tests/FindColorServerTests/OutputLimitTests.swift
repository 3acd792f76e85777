import FindColor
import FindColorImage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import FindColorServer

extension ServerTests {
    /// A result JPEG cannot hold (over 65500 pixels per side) is refused before the work, not with
    /// a 500 after it (issue 11, item 8).
    @Suite struct OutputLimitTests {
        /// Counts the colorizations it is asked for, and does none.
        final class CountingEngine: ColorizationEngine, @unchecked Sendable {
            private let lock = NSLock()
            private var count = 0
            var calls: Int { lock.withLock { count } }
            func colorizeFull(_ image: PlanarImage, _ request: ColorizeRequest) throws -> PlanarImage {
                lock.withLock { count += 1 }
                return PlanarImage(width: image.width, height: image.height, channels: 3, repeating: 0.5)
            }
            func colorizePreview(_ image: PlanarImage, _ request: ColorizeRequest, shortSide: Int) throws -> PlanarImage {
                lock.withLock { count += 1 }
                return PlanarImage(width: 8, height: 8, channels: 3, repeating: 0.5)
            }
            func suggestColors(_ image: PlanarImage, x: Int, y: Int, hints: [Hint], topK: Int) throws -> [SuggestedColor] { [] }
        }

        @Test func jpegWiderThan65500IsRefusedBeforeColourizing() async throws {
            let engine = CountingEngine()
            let app = try Fixtures.app(dataDirectory: try Fixtures.temporaryDirectory(), engine: engine)
            let (body, headers) = Fixtures.multipart([
                .file("image", try Fixtures.grayPNG(width: 65_510, height: 2)),
                .text("format", "jpeg"),
            ])
            try await app.test(.router) { client in
                try await client.execute(uri: "/api/colorize", method: .post, headers: headers, body: body) { response in
                    #expect(response.status == .unprocessableContent)
                    #expect(response.errorMessage
                        == "JPEG images are limited to 65500 pixels per side; this one is 65510×2; ask for format=png")
                }
            }
            #expect(engine.calls == 0)
        }
    }
}
