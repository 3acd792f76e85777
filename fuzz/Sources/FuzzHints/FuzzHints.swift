// libFuzzer target: the hints parser (`HintParser`), as the CLI (`--hints`), the server's
// stateless `hints` field and the projects hints API use it.
//
// Every input must either throw a `FindColorError` or give hints that pass the range checks;
// hints that parse must survive `encode` → `parseList` unchanged. Anything else — a crash, an
// ASan report, a broken invariant (checked with `fatalError`), a timeout or an out-of-memory —
// is a finding.
import FindColor
import CLibFuzzer
import Foundation

/// The photo the hints are checked against (small, so that both outcomes of `validate` occur).
let imageWidth = 64
let imageHeight = 48
/// The hint that `merge` changes.
let baseHint = Hint(x: 3, y: 4, size: 2, a: 10, b: -20, spread: .similar)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHints(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let data = start.map { Data(bytes: $0, count: count) } ?? Data()

    // A whole document: {"hints": [...]}.
    if let entries = expectingHintError({ try HintParser.parseList(data) }) {
        let hints = entries.map(\.hint)
        hints.forEach(checkRanges)
        let ids = entries.compactMap(\.id)
        guard Set(ids).count == ids.count else { fatalError("parseList accepted a repeated id: \(ids)") }
        let validated = expectingHintError { try HintParser.validate(hints, imageWidth: imageWidth, imageHeight: imageHeight) } != nil
        let fits = hints.allSatisfy { HintParser.problem(with: $0, imageWidth: imageWidth, imageHeight: imageHeight) == nil }
        guard validated == fits else { fatalError("validate (\(validated)) disagrees with problem(with:) (\(fits))") }
        for h in hints where HintParser.problem(with: h, imageWidth: imageWidth, imageHeight: imageHeight) == nil {
            guard h.x + h.size <= imageWidth, h.y + h.size <= imageHeight else {
                fatalError("hint \(h) accepted outside the \(imageWidth)×\(imageHeight) image")
            }
        }
        // Round trip: what encode writes, parseList reads back unchanged (ids are not encoded).
        let encoded = HintParser.encode(hints)
        do {
            let again = try HintParser.parseList(encoded).map(\.hint)
            guard again == hints else {
                fatalError("encode/parseList round trip changed \(hints) into \(again)")
            }
        } catch {
            fatalError("parseList refused what encode wrote (\(error)): \(String(decoding: encoded, as: UTF8.self))")
        }
        if validated {
            _ = expectingHintError { try HintParser.parse(data, imageWidth: imageWidth, imageHeight: imageHeight) }
        }
    }

    // One hint object, and a partial change of a hint.
    if let entry = expectingHintError({ try HintParser.parseOne(data) }) {
        checkRanges(entry.hint)
    }
    if let merged = expectingHintError({ try HintParser.merge(data, into: baseHint) }) {
        checkRanges(merged)
        _ = expectingHintError { try HintParser.validate([merged], imageWidth: imageWidth, imageHeight: imageHeight) }
    }
    return 0
}

/// The result of `body`, or nil when it threw a `FindColorError` (the only error bad input may give).
func expectingHintError<T>(_ body: () throws -> T) -> T? {
    do {
        return try body()
    } catch is FindColorError {
        return nil
    } catch {
        fatalError("threw a \(type(of: error)), not a FindColorError: \(error)")
    }
}

/// The ranges that every parsed hint is promised to be in, whatever the photo.
func checkRanges(_ h: Hint) {
    guard h.size >= 1, h.x >= 0, h.y >= 0,
          h.size <= HintParser.maxCoordinate, h.x <= HintParser.maxCoordinate, h.y <= HintParser.maxCoordinate,
          h.a.isFinite, h.b.isFinite, abs(h.a) <= HintParser.maxAB, abs(h.b) <= HintParser.maxAB
    else { fatalError("a parsed hint is out of range: \(h)") }
}

/// The program's entry point. SwiftPM links executables with `--defsym main=FuzzHints_main` (so that
/// tests can call them), and `-parse-as-library` leaves that symbol undefined: defined here, it
/// hands over to libFuzzer's driver, which parses the libFuzzer options as its own `main` would.
@_cdecl("FuzzHints_main")
public func fuzzHintsMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzHints(data.map(UnsafeRawPointer.init), size) }
}
