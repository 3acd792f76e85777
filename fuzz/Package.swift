// swift-tools-version:6.0
// libFuzzer targets for FindColor's parsers of untrusted bytes (issue 11, "Fuzzing").
//
// A package of its own, so that the root package's `swift build` / `swift test` never see these
// targets or the sanitizer flags. Build and run them with `scripts/fuzz.sh TARGET SECONDS`, which
// does, in essence:
//
//     swift build --package-path fuzz -c release --scratch-path .build-fuzz \
//         -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
//     .build-fuzz/release/FuzzDecode -max_total_time=60 CORPUS_DIR SEED_DIR
//
// Each target is one executable with `LLVMFuzzerTestOneInput` (`@_cdecl`) and a `<Target>_main`
// that starts libFuzzer's driver: SwiftPM links executables with `--defsym main=<Target>_main`,
// and `-parse-as-library` (no top-level code, so no Swift `main`) would leave that undefined.
// CLibFuzzer only declares libFuzzer's `LLVMFuzzerRunDriver`; `-sanitize=fuzzer` links libFuzzer.
import PackageDescription

let findColor = "FindColor"

let package = Package(
    name: "FindColorFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: findColor, path: ".."),
    ],
    targets: [
        // Declares libFuzzer's LLVMFuzzerRunDriver (module map only; see the targets' entry points).
        .systemLibrary(name: "CLibFuzzer"),
        // ImageCodec.decode: JPEG (libturbojpeg), PNG (libpng), TIFF (libtiff) and the Swift
        // code around them (format detection, EXIF orientation, size and buffer checks).
        .executableTarget(
            name: "FuzzDecode",
            dependencies: ["CLibFuzzer", .product(name: "FindColorImage", package: findColor)]
        ),
        // HintParser.parseList / parseOne / merge / validate, and the encode round trip.
        .executableTarget(
            name: "FuzzHints",
            dependencies: ["CLibFuzzer", .product(name: "FindColor", package: findColor)]
        ),
        // MultipartForm.parse (fixed boundary) and MultipartForm.boundary(fromContentType:).
        .executableTarget(
            name: "FuzzMultipart",
            dependencies: ["CLibFuzzer", .product(name: "FindColorServer", package: findColor)]
        ),
    ],
    swiftLanguageModes: [.v5]
)
