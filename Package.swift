// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "careline",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "careline", targets: ["careline"]),
        .library(name: "CarelineCore", targets: ["CarelineCore"]),
        .library(name: "CarelineTesting", targets: ["CarelineTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
    ],
    targets: [
        // The domain: templates, SMS text analysis, configuration, patients. No curl, no SQLite, no clock.
        .target(name: "CarelineCore"),
        // Fakes and fixtures shipped for tests: fixed clock, corpus locator.
        .target(name: "CarelineTesting", dependencies: ["CarelineCore"]),
        // The thin command-line front end.
        .executableTarget(
            name: "careline",
            dependencies: [
                "CarelineCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "CarelineCoreTests",
            dependencies: ["CarelineCore", "CarelineTesting"]
        ),
        // End-to-end tests of the built binary; depending on it makes `swift build --build-tests` build it.
        .testTarget(
            name: "carelineTests",
            dependencies: ["careline", "CarelineCore", "CarelineTesting"]
        ),
    ]
)
