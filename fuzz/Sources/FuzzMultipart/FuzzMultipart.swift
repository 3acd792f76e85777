// libFuzzer target: the server's multipart/form-data parsing (`MultipartForm`: vapor/multipart-kit's
// `MultipartParser` with the server's limits and rules).
//
// The input is used twice: its first line (up to 300 bytes, without CR LF) as a Content-Type header for
// `MultipartForm.boundary(fromContentType:)`, and the whole input as a request body for
// `MultipartForm.parse` with a fixed boundary (and, when the first line gave one, with that
// boundary too). Every input must either throw or give parts that lie inside the body; anything
// else — a crash, an ASan report, a broken invariant (checked with `fatalError`), a timeout or
// an out-of-memory — is a finding.
import FindColorServer
import CLibFuzzer
import Foundation

/// The boundary of the seeds (scripts/fuzz-seeds.py uses the same).
let fixedBoundary = "FuzzB0undary"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMultipart(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let body = start.map { UnsafeRawBufferPointer(start: $0, count: count) } ?? UnsafeRawBufferPointer(start: nil, count: 0)

    // The Content-Type header: the first line.
    var lineEnd = body.prefix(300).firstIndex(of: UInt8(ascii: "\n")) ?? min(body.count, 300)
    if lineEnd > 0, body[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
    let header = String(decoding: body[..<lineEnd], as: UTF8.self)
    var derived: String?
    if let boundary = try? MultipartForm.boundary(fromContentType: header) {
        guard !boundary.isEmpty, boundary.utf8.count <= 200 else {
            fatalError("boundary(fromContentType:) returned \(boundary.debugDescription)")
        }
        derived = boundary
    }
    // An absent header is refused, not a crash.
    guard (try? MultipartForm.boundary(fromContentType: nil)) == nil else {
        fatalError("boundary(fromContentType: nil) returned a boundary")
    }

    parse(body, boundary: fixedBoundary)
    if let derived, derived != fixedBoundary {
        parse(body, boundary: derived)
    }
    return 0
}

func parse(_ body: UnsafeRawBufferPointer, boundary: String) {
    guard let form = try? MultipartForm.parse(body, boundary: boundary) else { return }
    guard form.parts.count <= MultipartForm.maxParts else {
        fatalError("\(form.parts.count) parts, more than \(MultipartForm.maxParts)")
    }
    var total = 0
    for part in form.parts {
        guard !part.name.isEmpty else { fatalError("a part without a name was accepted") }
        total += part.body.count
        _ = try? part.text()
        _ = part.filename?.count
        _ = part.contentType?.count
        // A part's body never contains the delimiter that ends it.
        if !part.body.isEmpty, part.body.range(of: Data("\r\n--\(boundary)".utf8)) != nil {
            fatalError("part \(part.name.debugDescription) contains its closing delimiter")
        }
    }
    guard total <= body.count else { fatalError("the parts hold \(total) bytes of a \(body.count)-byte body") }
    if let first = form.parts.first, form.part(first.name)?.name != first.name {
        fatalError("part(_:) does not find \(first.name.debugDescription)")
    }
}

/// The program's entry point. SwiftPM links executables with `--defsym main=FuzzMultipart_main` (so that
/// tests can call them), and `-parse-as-library` leaves that symbol undefined: defined here, it
/// hands over to libFuzzer's driver, which parses the libFuzzer options as its own `main` would.
@_cdecl("FuzzMultipart_main")
public func fuzzMultipartMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzMultipart(data.map(UnsafeRawPointer.init), size) }
}
