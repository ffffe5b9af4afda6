import Testing
@testable import Analytics
@testable import AnalyticsCore
@testable import AnalyticsIngest
@testable import AnalyticsQueries
@testable import AnalyticsReports
@testable import AnalyticsSessions
@testable import AnalyticsStorage

/// Expected values computed independently (SciPy: scipy.stats.norm, and the textbook formulas).
@Suite("Statistics")
struct StatisticsTests {
    func close(_ a: Double?, _ b: Double, _ tolerance: Double = 1e-12) -> Bool {
        guard let a else { return false }
        return abs(a - b) <= tolerance
    }

    @Test("Wilson score intervals")
    func wilson() {
        let eight = Statistics.wilson(successes: 8, trials: 10)
        #expect(close(eight?.low, 0.4901624715366418))
        #expect(close(eight?.high, 0.9433178485456248))
        let zero = Statistics.wilson(successes: 0, trials: 10)
        #expect(close(zero?.low, 0))
        #expect(close(zero?.high, 0.2775327998628892))
        let half = Statistics.wilson(successes: 50, trials: 100)
        #expect(close(half?.low, 0.4038315303659956))
        #expect(close(half?.high, 0.5961684696340044))
        #expect(Statistics.wilson(successes: 0, trials: 0) == nil)
    }

    @Test("two-proportion z-tests with pooled standard error")
    func zTest() {
        let first = Statistics.twoProportionZTest(successes1: 200, trials1: 500, successes2: 180, trials2: 500)
        #expect(close(first?.z, 1.3029938101426084, 1e-10))
        #expect(close(first?.p, 0.19257687480088492, 1e-10))
        let second = Statistics.twoProportionZTest(successes1: 30, trials1: 100, successes2: 50, trials2: 100)
        #expect(close(second?.z, -2.886751345948129, 1e-10))
        #expect(close(second?.p, 0.003892417122778628, 1e-10))
        #expect(Statistics.twoProportionZTest(successes1: 0, trials1: 10, successes2: 0, trials2: 10) == nil)
        #expect(Statistics.twoProportionZTest(successes1: 1, trials1: 0, successes2: 0, trials2: 10) == nil)
    }

    @Test("Wald interval of a difference of proportions")
    func differenceInterval() {
        let interval = Statistics.differenceInterval(successes1: 50, trials1: 100, successes2: 30, trials2: 100)
        #expect(close(interval?.low, 0.06706877501808323, 1e-12))
        #expect(close(interval?.high, 0.3329312249819168, 1e-12))
    }

    @Test("Holm's step-down adjustment")
    func holm() {
        let adjusted = Statistics.holm([0.01, 0.04, 0.03, 0.005])
        for (value, expected) in zip(adjusted, [0.03, 0.06, 0.06, 0.02]) { #expect(close(value, expected, 1e-15)) }
        #expect(Statistics.holm([]).isEmpty)
        #expect(Statistics.holm([0.9, 0.8]) == [1, 1])
    }
}
