// swift-tools-version: 6.0
import Foundation
import PackageDescription

// careline itself is a path dependency, and SwiftPM names a path dependency after its folder. A clone may be
// called anything (`main`, `careline`, …), so take the folder name instead of spelling it out.
let careline = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .lastPathComponent

// A separate package so that `swift build` / `swift test` of careline never build the benchmarks or their
// dependencies. Build with `swift build -c release --package-path Benchmarks` (scripts/bench does).
let package = Package(
    name: "careline-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        // Allocation counts: the library replaces malloc/free and counts calls between hook() and unhook().
        .package(url: "https://github.com/ordo-one/malloc-interposer", from: "1.6.1"),
        // The Swift baseline.
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .executableTarget(
            name: "careline-bench",
            dependencies: [
                .product(name: "CarelineCore", package: careline),
                .product(name: "CarelineSQLite", package: careline),
                .product(name: "CarelineCurl", package: careline),
                .product(name: "MallocInterposerSwift", package: "malloc-interposer"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        )
    ]
)
