// swift-tools-version:6.0
import PackageDescription

// Code generation for the SIMD kernels: without these flags SIMD16<Float>.addingProduct
// lowers to scalar fmaf calls (see DEVELOPERS.md). x86-64-v3 = AVX2 + FMA, which every
// machine this project targets has.
// -O also in debug builds (the pixel loops are unusable at -Onone); Swift's bounds and overflow
// checks stay on. -fno-math-errno: the C square root behind `Float.squareRoot()` then need not
// call `sqrtf` for a negative operand (to set errno, which nothing reads), so SIMD8's square root
// is one vsqrtps instead of eight scalar roots with a branch each (the per-pixel sRGB encoding).
let simdFlags: [SwiftSetting] = [
    .unsafeFlags(["-O", "-Xcc", "-mavx2", "-Xcc", "-mfma", "-Xcc", "-fno-math-errno"]),
]
// -Ounchecked (no bounds or overflow checks) only for the compute kernels of FindColorNN, which
// handle no untrusted bytes (its one parser, the safetensors header of the model file, checks every
// size explicitly). FindColorImage and FindColor parse files, JSON and numbers from users and keep
// Swift's checks; what -Ounchecked would buy them is measured in docs/reliability.md.
let kernelFlags: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-Xcc", "-mavx2", "-Xcc", "-mfma"]),
]

let package = Package(
    name: "FindColor",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "findcolor", targets: ["findcolor"]),
        .library(name: "FindColor", targets: ["FindColor"]),
        // For the libFuzzer package in fuzz/ (a package can only use another's products).
        .library(name: "FindColorImage", targets: ["FindColorImage"]),
        .library(name: "FindColorServer", targets: ["FindColorServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.0.0"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.0"),
    ],
    targets: [
        // System libraries (Debian -dev packages); module maps only.
        .systemLibrary(name: "CTurboJPEG", path: "Sources/CTurboJPEG"),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG"),
        .systemLibrary(name: "CTIFF", path: "Sources/CTIFF"),
        .systemLibrary(name: "CDNNL", path: "Sources/CDNNL"),

        // The thread count (--threads) and the work splitting shared by the image and NN code.
        .target(name: "FindColorParallel"),
        .target(
            name: "FindColorImage",
            dependencies: ["CTurboJPEG", "CPNG", "CTIFF", "FindColorParallel"],
            swiftSettings: simdFlags
        ),
        .target(
            name: "FindColorNN",
            dependencies: ["CDNNL", "FindColorParallel"],
            swiftSettings: kernelFlags
        ),
        .target(
            name: "FindColor",
            dependencies: ["FindColorImage", "FindColorNN", "FindColorParallel", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: simdFlags
        ),
        .target(
            name: "FindColorServer",
            dependencies: [
                "FindColor",
                "FindColorImage",
                "FindColorParallel",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "MultipartKit", package: "multipart-kit"),
            ],
            resources: [.copy("Public")]
        ),
        .executableTarget(
            name: "findcolor",
            dependencies: [
                "FindColor",
                "FindColorImage",
                "FindColorNN",
                "FindColorParallel",
                "FindColorServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Test helpers shared by test targets (a test target cannot depend on another): the safetensors writer.
        .target(name: "FindColorTestSupport", dependencies: ["FindColorNN"], path: "Tests/FindColorTestSupport"),
        .testTarget(name: "FindColorImageTests", dependencies: ["FindColorImage"]),
        .testTarget(
            name: "FindColorNNTests",
            dependencies: ["FindColorNN", "FindColorParallel", "FindColorTestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "FindColorTests", dependencies: ["FindColor", "FindColorNN", "FindColorTestSupport"], exclude: ["Fixtures"]),
        .testTarget(
            name: "FindColorServerTests",
            dependencies: [
                "FindColorServer",
                "FindColor",
                "FindColorImage",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
    ],
    swiftLanguageModes: [.v5]
)
