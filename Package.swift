// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "careline",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "careline", targets: ["careline"]),
        .library(name: "CarelineCore", targets: ["CarelineCore"]),
        .library(name: "CarelineTesting", targets: ["CarelineTesting"]),
        .library(name: "CarelineSQLite", targets: ["CarelineSQLite"]),
        .library(name: "CarelineCurl", targets: ["CarelineCurl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // The domain: templates, configuration, patients, scheduling, the outbox model. No curl, no SQLite, no clock.
        // Crypto: SHA-256 of approved messages (issue 5); Logging: the dispatcher's log lines.
        .target(
            name: "CarelineCore",
            dependencies: [
                .product(name: "Logging", package: "swift-log"), .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Test support: the in-memory store, the corpus locator, the binary runner, temporary folders.
        .target(name: "CarelineTesting", dependencies: ["CarelineCore"]),
        // The embedded store: patients, outbox, opt-outs and audit in one SQLite file (GRDB).
        .target(
            name: "CarelineSQLite",
            dependencies: ["CarelineCore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // libcurl's C API, with typed wrappers for its variadic functions (Swift cannot call C variadics).
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // HTTP over libcurl's multi interface (CurlTransport) and the HTTP senders: webhook (Standard Webhooks,
        // HMAC-SHA256 from swift-crypto) and Twilio-compatible SMS.
        .target(
            name: "CarelineCurl",
            dependencies: ["CarelineCore", "CCurl", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // The thin command-line front end.
        .executableTarget(
            name: "careline",
            dependencies: [
                "CarelineCore", "CarelineSQLite", "CarelineCurl",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "CarelineCoreTests",
            dependencies: ["CarelineCore", "CarelineTesting"]
        ),
        .testTarget(
            name: "CarelineSQLiteTests",
            dependencies: [
                "CarelineSQLite", "CarelineTesting",
                // Raw SQL against the file: a second connection, tampering, migration set-up.
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // CurlTransport and the senders over real loopback TCP against LoopbackServer and
        // Tests/Fakes/twilio_fake.py (python3, standard library only).
        .testTarget(
            name: "CarelineCurlTests",
            dependencies: ["CarelineCurl", "CarelineTesting", "CarelineSQLite"]
        ),
        // End-to-end tests of the built binary; depending on it makes `swift build --build-tests` build it.
        .testTarget(
            name: "carelineTests",
            dependencies: ["careline", "CarelineCore", "CarelineTesting"]
        ),
    ]
)
