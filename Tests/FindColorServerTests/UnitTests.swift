import FindColor
import FindColorImage
import Foundation
import Testing

@testable import FindColorServer

extension ServerTests {
    /// The building blocks: multipart parsing, header values, SHA-256, hint input, thumbnails.
    @Suite struct UnitTests {
        static func parse(_ text: String, boundary: String = "B0undary") throws -> MultipartForm {
            let data = Data(text.utf8)
            return try data.withUnsafeBytes { try MultipartForm.parse($0, boundary: boundary) }
        }

        /// The disk-cache writes after responses can be waited for (the server does, before it
        /// exits): every started task has ended when `waitForAll` returns, also those started
        /// while it waits.
        @Test func backgroundWritesCanBeAwaited() async {
            final class Done: @unchecked Sendable {
                let lock = NSLock()
                var count = 0
                func add() { lock.withLock { count += 1 } }
            }
            let writes = BackgroundWrites(), done = Done()
            for i in 0..<5 {
                writes.start {
                    try? await Task.sleep(for: .milliseconds(20 + 10 * i))
                    if i == 0 {   // a write that starts another while the wait is on
                        writes.start {
                            try? await Task.sleep(for: .milliseconds(80))
                            done.add()
                        }
                    }
                    done.add()
                }
            }
            await writes.waitForAll()
            #expect(done.lock.withLock { done.count } == 6)
            #expect(writes.count == 0)
            await writes.waitForAll()   // nothing running: returns at once
        }

        @Test func multipartFieldsAndFiles() throws {
            let form = try Self.parse(
                "preamble to ignore\r\n--B0undary\r\n"
                    + "Content-Disposition: form-data; name=\"name\"\r\n\r\nGrandma\r\n"
                    + "--B0undary\r\n"
                    + "Content-Disposition: form-data; name=\"image\"; filename=\"a \\\"b\\\".png\"\r\n"
                    + "Content-Type: image/png\r\n\r\n"
                    + "line1\r\n--B0undar not a boundary\r\nline3\r\n"
                    + "--B0undary--\r\nepilogue")
            #expect(form.parts.count == 2)
            #expect(try form.part("name")?.text() == "Grandma")
            let image = try #require(form.part("image"))
            #expect(image.filename == "a \"b\".png")
            #expect(image.contentType == "image/png")
            #expect(String(decoding: image.body, as: UTF8.self) == "line1\r\n--B0undar not a boundary\r\nline3")
        }

        /// The input FuzzMultipart found (a crash before `checkHeaderNames`), refused with a 400; and
        /// non-ASCII bytes in header values, file names and bodies still pass.
        @Test func nonASCIIHeaderNamesAreRefusedNotACrash() throws {
            var body = Data("--FuzzB0undary\r\nContent-D".utf8)
            body.append(0xEE)
            body.append(Data("isposition: form-data; name=\"k\"   \r\nX-Oth v:e r \r\n\r\nv\r\n--FuzzB0undart-y\r\nra-iling junk\r\n--FuzzB0undary\r\n".utf8))
            #expect(throws: APIError.self) { try body.withUnsafeBytes { try MultipartForm.parse($0, boundary: "FuzzB0undary") } }
            let form = try Self.parse("--B0undary\r\nContent-Disposition: form-data; name=\"image\"; filename=\"Großmutter.png\"\r\n\r\nä\u{FF}\r\n--B0undary--")
            #expect(form.part("image")?.filename == "Großmutter.png")
            #expect(form.part("image")?.body == Data("ä\u{FF}".utf8))
        }

        @Test func multipartBinaryBodiesSurviveIntact() throws {
            var bytes = [UInt8]()
            for i in 0..<10_000 { bytes.append(UInt8(truncatingIfNeeded: i * 31 + i / 7)) }
            bytes += Array("\r\n\r\r\n-".utf8)
            let boundary = "xYz123"
            var body = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f.bin\"\r\n\r\n".utf8)
            body.append(contentsOf: bytes)
            body.append(Data("\r\n--\(boundary)--".utf8))
            let form = try body.withUnsafeBytes { try MultipartForm.parse($0, boundary: boundary) }
            #expect(form.part("file")?.body == Data(bytes))
        }

        @Test func malformedMultipartIsABadRequest() throws {
            for (text, expected) in [
                ("no boundary here", "never occurs"),
                ("--B0undary\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nunterminated", "truncated"),
                ("--B0undary\r\nContent-Type: text/plain\r\n\r\nx\r\n--B0undary--", "Content-Disposition"),
                ("--B0undary\r\nContent-Disposition: attachment\r\n\r\nx\r\n--B0undary--", "form-data"),
                ("--B0undaryXX", "not well-formed"),
                // A delimiter line, then nothing: no closing "--B0undary--".
                ("--B0undary\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--B0undary\r\n", "truncated"),
                ("--B0undary\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--B0undary", "truncated"),
                ("--B0undary\r\nBad Header\r\n\r\nx\r\n--B0undary--", "not well-formed"),
                // A non-ASCII byte in a header name (multipart-kit 4.7.1 traps on it; found by fuzzing).
                ("--B0undary\r\nContent-D\u{EE}isposition: form-data; name=\"k\"\r\n\r\nv\r\n--B0undary--", "not ASCII"),
                ("--B0undary\r\nContent-Disposition: form-data; name=\"k\"\r\nX-\u{FF}: 1\r\n\r\nv\r\n--B0undary--", "not ASCII"),
                ("--B0undary\r\nContent-Disposition: form-data; name=\"\"\r\n\r\nx\r\n--B0undary--", "form-data with a name"),
            ] {
                do {
                    _ = try Self.parse(text)
                    Issue.record("parsed malformed input: \(text)")
                } catch let error as APIError {
                    #expect(error.status == .badRequest)
                    #expect(error.message.contains(expected), "\(error.message) ~ \(expected)")
                }
            }
        }

        /// The server's limits hold on the library's parser: at most `maxParts` fields, 16 KiB of
        /// headers per part; an empty boundary is refused, not a crash.
        @Test func multipartLimits() throws {
            func field(_ i: Int) -> String { "--B0undary\r\nContent-Disposition: form-data; name=\"f\(i)\"\r\n\r\nv\(i)\r\n" }
            let full = (0..<MultipartForm.maxParts).map(field).joined() + "--B0undary--"
            #expect(try Self.parse(full).parts.count == MultipartForm.maxParts)
            #expect(try Self.parse(full).parts.last.map { try $0.text() } == "v\(MultipartForm.maxParts - 1)")
            let tooMany = (0...MultipartForm.maxParts).map(field).joined() + "--B0undary--"
            do {
                _ = try Self.parse(tooMany)
                Issue.record("\(MultipartForm.maxParts + 1) fields were accepted")
            } catch let error as APIError {
                #expect(error.status == .badRequest && error.message.contains("too many multipart fields"), "\(error.message)")
            }
            let longHeader = "--B0undary\r\nContent-Disposition: form-data; name=\"a\"\r\nX-Pad: \(String(repeating: "p", count: 20_000))\r\n\r\nx\r\n--B0undary--"
            do {
                _ = try Self.parse(longHeader)
                Issue.record("a 20 kB header was accepted")
            } catch let error as APIError {
                #expect(error.status == .badRequest && error.message.contains("headers are longer"), "\(error.message)")
            }
            #expect(throws: APIError.self) { try Self.parse("--\r\n", boundary: "") }
        }

        @Test func contentTypes() throws {
            #expect(try MultipartForm.boundary(fromContentType: "multipart/form-data; boundary=abc") == "abc")
            #expect(try MultipartForm.boundary(fromContentType: "Multipart/Form-Data; charset=utf-8; boundary=\"a b;c\"") == "a b;c")
            #expect(throws: APIError.self) { try MultipartForm.boundary(fromContentType: "application/json") }
            #expect(throws: APIError.self) { try MultipartForm.boundary(fromContentType: nil) }
            #expect(throws: APIError.self) { try MultipartForm.boundary(fromContentType: "multipart/form-data") }
            let parsed = HeaderValue.parse("form-data; name=\"image\"; filename=photo.jpg")
            #expect(parsed.value == "form-data")
            #expect(parsed.parameters["name"] == "image")
            #expect(parsed.parameters["filename"] == "photo.jpg")
        }

        @Test func sha256KnownVectors() {
            #expect(ContentDigest.sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
            #expect(ContentDigest.sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
            #expect(ContentDigest.sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
            #expect(ContentDigest.sha256Hex(String(repeating: "a", count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
            // Data, byte arrays and slices hash alike.
            let data = Data((0..<1000).map { UInt8(truncatingIfNeeded: $0) })
            #expect(ContentDigest.sha256Hex(data) == ContentDigest.sha256Hex(Array(data)))
            #expect(ContentDigest.sha256Hex(data.dropFirst(101)) == ContentDigest.sha256Hex(Data(data.dropFirst(101))))
        }

        @Test func thumbnailsAreSmallAndRGB() {
            let image = PlanarImage(width: 1000, height: 500, channels: 1) { x, _, _ in Float(x % 2) }
            let thumbnail = Thumbnail.make(from: image)
            #expect(thumbnail.width == 320)
            #expect(thumbnail.height == 160)
            #expect(thumbnail.channels == 3)
            // Area averaging of alternating 0/1 columns gives mid-gray.
            #expect(abs(thumbnail[10, 10, 1] - 0.5) < 0.2)
        }

        /// The server reads a region mask by the CLI's rule (L*/100), not the mean of sRGB: red is inside.
        @Test func regionMaskFollowsTheCLIRule() throws {
            let red = PlanarImage(width: 4, height: 3, channels: 3) { _, _, c in c == 0 ? 1 : 0 }
            let png = try ImageCodec.encode(red, as: .png(bitDepth: 8))
            let mask = try ImageInputs.decodeMask(png, width: 4, height: 3, maxPixels: 1 << 20)
            #expect(mask == ColorizeRequest.regionMask(from: try ImageCodec.decode(png).image))
            #expect(mask.channels == 1 && mask.data.allSatisfy { $0 > 0.5 })
        }

        @Test func atomicWritesLeaveNoTemporaryFiles() throws {
            let folder = try Fixtures.temporaryDirectory()
            let url = folder.appendingPathComponent("file.bin")
            try AtomicFile.write(Data("one".utf8), to: url)
            try AtomicFile.write(Data("two".utf8), to: url)
            #expect(try Data(contentsOf: url) == Data("two".utf8))
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["file.bin"])
            #expect(throws: StoreError.self) {
                try AtomicFile.write(Data(), to: folder.appendingPathComponent("missing/dir/file"))
            }
        }

        @Test func imageErrorsMapToStatuses() {
            #expect(APIError.image(.empty, role: "image").status == .badRequest)
            #expect(APIError.image(.unrecognizedFormat, role: "image").status == .unsupportedMediaType)
            #expect(APIError.image(.tooLarge(format: .png, width: 20000, height: 20000, maxPixels: 100), role: "image").status == .contentTooLarge)
            #expect(APIError.image(.corrupt(format: .jpeg, detail: "bad"), role: "image").status == .badRequest)
            #expect(APIError.colorizer(.invalidRegion("x")).status == .unprocessableContent)
            #expect(APIError.colorizer(.invalidHints("x")).status == .badRequest)
            #expect(APIError.colorizer(.model("x")).status == .internalServerError)
        }
    }
}
