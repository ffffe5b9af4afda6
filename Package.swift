// swift-tools-version: 6.0
import PackageDescription

// One target per layer; each may use only the layers below it (ARCHITECTURE.md).
// `scripts/check-layers.sh` (run by the tests) fails on an import that points up.
//
//   analytics (CLI) -> Analytics (facade) -> AnalyticsReports -> AnalyticsQueries
//   -> AnalyticsSessions -> AnalyticsIngest -> CSVScanner, AnalyticsStorage -> AnalyticsCore
let package = Package(
    name: "JourneyAnalytics",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "analytics", targets: ["analytics"]),
        .library(name: "Analytics", targets: ["Analytics"]),
        // The SQLite loadable extension: `.load .build/release/libJourneyExtension` in the sqlite3 shell.
        .library(name: "JourneyExtension", type: .dynamic, targets: ["JourneyExtension"]),
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
        // Time, durations, value formatting: no SQLite, no files.
        .target(name: "AnalyticsCore"),
        // The SQLite connection, statements, transactions, migrations, label dictionary.
        .target(
            name: "AnalyticsStorage",
            dependencies: [
                "AnalyticsCore",
                "CSQLite",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            plugins: ["EmbedMigrations"]
        ),
        // The byte-level CSV scanner and its byte sources (plain and gzip).
        .target(
            name: "CSVScanner",
            dependencies: ["CZlib"],
            swiftSettings: [
                // The scanner touches class state per byte; dynamic exclusivity
                // checks cost about 10% of import time there (measured with perf).
                .unsafeFlags(["-enforce-exclusivity=unchecked"]),
            ]
        ),
        // Column mapping, row parsing, the import ledger and rejects.
        .target(
            name: "AnalyticsIngest",
            dependencies: [
                "AnalyticsCore",
                "AnalyticsStorage",
                "CSVScanner",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Sessionization, the timeline codec and incremental upkeep.
        .target(name: "AnalyticsSessions", dependencies: ["AnalyticsCore", "AnalyticsStorage", "AnalyticsIngest"]),
        // Funnels, touchpoint KPIs, statistics: numbers, never printing.
        // The SQLite loadable extension's entry point (journey_events, window_funnel, retention).
        .target(name: "JourneyExtension", dependencies: ["AnalyticsQueries", "CSQLite"]),
        .target(
            name: "AnalyticsQueries",
            dependencies: [
                "CSQLite",
                "CZlib",
                "AnalyticsCore",
                "AnalyticsStorage",
                "AnalyticsSessions",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // Report models, their builders and renderers (table, CSV, JSON, Markdown, HTML).
        .target(
            name: "AnalyticsReports",
            dependencies: ["AnalyticsCore", "AnalyticsStorage", "AnalyticsIngest", "AnalyticsSessions", "AnalyticsQueries"]
        ),
        // The public facade: `Workspace` and the models it returns.
        .target(
            name: "Analytics",
            dependencies: [
                "AnalyticsCore", "AnalyticsStorage", "AnalyticsIngest", "AnalyticsSessions", "AnalyticsQueries",
                "AnalyticsReports",
            ]
        ),
        // The command-line tool: parses options, calls the facade, prints. It sees
        // only the public API (no `package` declarations, so no SQL).
        .executableTarget(
            name: "analytics",
            dependencies: [
                "Analytics",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            packageAccess: false
        ),
        .testTarget(
            name: "AnalyticsTests",
            dependencies: [
                "Analytics", "AnalyticsCore", "AnalyticsStorage", "CSVScanner", "AnalyticsIngest", "AnalyticsSessions",
                "AnalyticsQueries", "AnalyticsReports", "CSQLite", "analytics",
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
