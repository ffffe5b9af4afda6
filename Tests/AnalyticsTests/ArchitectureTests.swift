import Foundation
import Testing

@Suite("Architecture: layers")
struct ArchitectureTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func checkLayers(_ arguments: [String] = []) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [packageRoot.appending(path: "scripts/check-layers.sh").path] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test("no target imports a layer above or beside it; the CLI imports only the facade")
    func layersPointDown() throws {
        let result = try Self.checkLayers()
        #expect(result.status == 0, "\(result.output)")
        // Every layer is listed with its imports.
        for target in ["AnalyticsCore", "AnalyticsStorage", "CSVScanner", "AnalyticsIngest", "AnalyticsSessions",
                       "AnalyticsQueries", "AnalyticsReports", "Analytics", "analytics"] {
            #expect(result.output.contains("\n\(target):") || result.output.hasPrefix("\(target):"), "\(target) missing")
        }
        #expect(result.output.contains("analytics: Analytics\n"))
    }

    @Test("the check fails on an upward import and on a CLI that reaches past the facade")
    func checkCatchesUpwardImports() throws {
        let directory = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.path("AnalyticsStorage"), withIntermediateDirectories: true)
        try directory.write("AnalyticsStorage/Bad.swift", "import Foundation\nimport AnalyticsQueries\n")
        let upward = try Self.checkLayers([directory.url.path])
        #expect(upward.status == 1)
        #expect(upward.output.contains("AnalyticsStorage imports AnalyticsQueries"))

        let cli = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: cli.path("analytics"), withIntermediateDirectories: true)
        try cli.write("analytics/Main.swift", "import Analytics\n@testable import AnalyticsStorage\n")
        let past = try Self.checkLayers([cli.url.path])
        #expect(past.status == 1)
        #expect(past.output.contains("the CLI imports AnalyticsStorage"))
    }
}
