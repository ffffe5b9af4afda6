// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "JourneyAnalytics",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "analytics", targets: ["analytics"]),
        .library(name: "Analytics", targets: ["Analytics"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        .executableTarget(name: "EmbedMigrationsTool"),
        .plugin(
            name: "EmbedMigrations",
            capability: .buildTool(),
            dependencies: ["EmbedMigrationsTool"]
        ),
        .target(
            name: "Analytics",
            dependencies: [
                "CSQLite",
                "CZlib",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: [
                // The import loop touches class state per byte; dynamic exclusivity
                // checks cost about 10% of import time there (measured with perf).
                .unsafeFlags(["-enforce-exclusivity=unchecked"]),
            ],
            plugins: ["EmbedMigrations"]
        ),
        .executableTarget(
            name: "analytics",
            dependencies: [
                "Analytics",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "AnalyticsTests",
            dependencies: ["Analytics", "CSQLite", "analytics"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
