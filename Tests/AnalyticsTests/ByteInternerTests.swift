import Testing
@testable import Analytics
@testable import AnalyticsCore
@testable import AnalyticsIngest
@testable import AnalyticsQueries
@testable import AnalyticsReports
@testable import AnalyticsSessions
@testable import AnalyticsStorage
@testable import CSVScanner

@Suite("Byte interner")
struct ByteInternerTests {
    @Test("finds every stored value after many growths, and nothing else")
    func roundTrip() {
        var interner = ByteInterner()
        let values = (0..<20_000).map { "user-\($0 * 7919 % 100_003)" } + ["", "ü", "a,b"]
        for (index, value) in values.enumerated() {
            var text = value
            text.withUTF8 { bytes in
                #expect(interner.id(of: UnsafeRawBufferPointer(bytes)) == nil)
                interner.insert(UnsafeRawBufferPointer(bytes), id: Int64(index))
            }
        }
        #expect(interner.count == values.count)
        for (index, value) in values.enumerated() {
            var text = value
            text.withUTF8 { #expect(interner.id(of: UnsafeRawBufferPointer($0)) == Int64(index)) }
        }
        var missing = "user-100004"
        missing.withUTF8 { #expect(interner.id(of: UnsafeRawBufferPointer($0)) == nil) }
    }
}
