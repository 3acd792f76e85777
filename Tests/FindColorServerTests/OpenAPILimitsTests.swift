import FindColor
import Foundation
import Testing

@testable import FindColorServer

extension ServerTests {
    /// The limits that openapi.yaml states in words are the server's: each sentence is rebuilt from
    /// the constants (`ServerLimits.default`, `MultipartForm`, `HintParser`, …) and looked for in
    /// the file, so changing a limit without its documentation fails here.
    @Suite struct OpenAPILimitsTests {
        static let yaml: String = {
            let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("Sources/FindColorServer/Public/openapi.yaml")
            return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        }()

        /// 100000000 → "100 000 000" (the document's thousands separator).
        static func grouped(_ n: Int) -> String {
            var digits = String(n), out = ""
            while digits.count > 3 {
                out = " " + digits.suffix(3) + out
                digits.removeLast(3)
            }
            return digits + out
        }

        static func seconds(_ d: Duration) -> Int64 { d.components.seconds }

        @Test func groupingAsTheDocumentWritesIt() {
            #expect(Self.grouped(100_000_000) == "100 000 000")
            #expect(Self.grouped(10_000) == "10 000" && Self.grouped(1_048_576) == "1 048 576" && Self.grouped(64) == "64")
        }

        @Test func statedLimitsMatchTheServer() {
            let yaml = Self.yaml
            #expect(yaml.hasPrefix("openapi: 3.1"), "openapi.yaml not found")
            let l = ServerLimits.default
            let mib = 1024 * 1024
            #expect(l.maxUploadBytes % mib == 0 && HintParser.maxBytes % mib == 0 && l.maxPixels % 1_000_000 == 0)
            let k = RenderRoutes.suggestionCounts
            let statements = [
                // The Limits list.
                "- request body (upload): \(l.maxUploadBytes / mib) MiB",
                "- image: \(Self.grouped(l.maxPixels)) pixels (\(l.maxPixels / 1_000_000) megapixels",
                "- waiting jobs: \(l.maxWaitingJobs)\n",
                "- open connections: \(l.maxConnections)\n",
                "- request head: \(Self.seconds(l.headerTimeout)) s; request body: \(Self.seconds(l.requestBodyTimeout)) s; "
                    + "idle connection: \(Self.seconds(l.idleTimeout)) s",
                "- multipart form fields: \(MultipartForm.maxParts); headers per part: \(MultipartForm.maxHeaderBytes / 1024) KiB",
                "- hint document: \(HintParser.maxBytes / mib) MiB, \(Self.grouped(HintParser.maxHints)) hints; "
                    + "x, y and size at most \(Self.grouped(HintParser.maxCoordinate)); a*, b* within ±\(Int(HintParser.maxAB))",
                "- preview short side: \(l.previewShortSide) pixels; suggestions: \(l.suggestionCount) by default "
                    + "(k \(k.lowerBound)…\(k.upperBound)); thumbnail: \(Thumbnail.maxSide) pixels",
                // The same numbers where the text and the schemas mention them.
                "wait (\(l.maxWaitingJobs) by default)",
                "a request head must arrive within \(Self.seconds(l.headerTimeout)) s",
                "its body within \(Self.seconds(l.requestBodyTimeout)) s",
                "closed after \(Self.seconds(l.idleTimeout)) s",
                "At most \(l.maxConnections) connections are open",
                "each within ±\(Int(HintParser.maxAB))",
                "(short side \(l.previewShortSide) pixels, one network pass)",
                "How many colours (default \(l.suggestionCount)).",
                "schema: { type: integer, minimum: \(k.lowerBound), maximum: \(k.upperBound) }",
                "A hint document is at most \(HintParser.maxBytes / mib) MiB and \(Self.grouped(HintParser.maxHints)) hints; "
                    + "x, y and size are at most \(Self.grouped(HintParser.maxCoordinate)).",
                "longest side at most \(Thumbnail.maxSide) pixels",
            ]
            for statement in statements {
                #expect(yaml.contains(statement), "openapi.yaml does not say: \(statement)")
            }
        }
    }
}
