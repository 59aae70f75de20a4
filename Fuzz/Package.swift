// swift-tools-version: 6.0
import PackageDescription

// libFuzzer targets for careline's parsers (issue 7). A package of its own so that the sanitizer flags
// (`-sanitize=fuzzer,address`) never reach the main build or `swift test`. Build and run with `scripts/fuzz`.
let package = Package(
    name: "careline-fuzz",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "template", targets: ["template"]),
        .executable(name: "csv", targets: ["csv"]),
        .executable(name: "schedule", targets: ["schedule"]),
        .executable(name: "config", targets: ["config"]),
    ],
    dependencies: [.package(name: "careline", path: "..")],
    targets: [
        // Starts libFuzzer's driver and checks invariants; shared by every fuzz target.
        .target(name: "FuzzSupport"),
        .executableTarget(
            name: "template",
            dependencies: ["FuzzSupport", .product(name: "CarelineCore", package: "careline")]),
        .executableTarget(
            name: "csv", dependencies: ["FuzzSupport", .product(name: "CarelineCore", package: "careline")]),
        .executableTarget(
            name: "schedule",
            dependencies: ["FuzzSupport", .product(name: "CarelineCore", package: "careline")]),
        .executableTarget(
            name: "config",
            dependencies: ["FuzzSupport", .product(name: "CarelineCore", package: "careline")]),
    ]
)
