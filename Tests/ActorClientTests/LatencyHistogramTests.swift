import Contract
import ActorClient
import Randomness
import XCTest

final class LatencyHistogramTests: XCTestCase {
    func testQuantilesAreWithinTheBucketError() {
        var histogram = LatencyHistogram()
        var generator = SeededGenerator(seed: 11)
        var values: [UInt64] = []
        for _ in 0..<50_000 {
            let value = 1_000 + generator.next() % 5_000_000
            values.append(value)
            histogram.record(value)
        }
        values.sort()
        for q in [0.5, 0.9, 0.99] {
            let exact = Double(values[Int((q * Double(values.count)).rounded(.up)) - 1])
            XCTAssertEqual(Double(histogram.quantile(q)), exact, accuracy: exact * 0.02, "q \(q)")
        }
        XCTAssertEqual(histogram.maximum, values.last)
        XCTAssertEqual(histogram.count, 50_000)
    }

    func testSmallValuesAreExactAndMergeAdds() {
        var a = LatencyHistogram(), b = LatencyHistogram()
        for value in [3, 3, 100] as [UInt64] { a.record(value) }
        b.record(7)
        a.merge(b)
        XCTAssertEqual(a.count, 4)
        XCTAssertEqual(a.quantile(0.5), 3)
        XCTAssertEqual(a.quantile(0.75), 7)
        XCTAssertEqual(a.quantile(1), 100)
        XCTAssertEqual(LatencyHistogram().quantile(0.5), 0)
    }
}
