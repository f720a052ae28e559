import Contract
import LearnerLoop
import Model
import Runtime
import XCTest

final class ModelBenchmarkTests: XCTestCase {
    func testEachRoundsRatioPairsTheMeasurementsTakenTogether() {
        // A host that slows down between rounds: the pairs keep the ratio, the medians of
        // each side alone would not line up.
        let rates = ModelBenchmark.TrainingRates(oneThread: [100, 50, 80], twoThreads: [150, 60, 160])
        XCTAssertEqual(rates.ratios, [1.5, 1.2, 2.0])
        XCTAssertEqual(rates.medianRatio, 1.5)
        XCTAssertEqual(rates.medianOneThread, 80)
        XCTAssertEqual(rates.medianTwoThreads, 150)
        XCTAssertEqual(ModelBenchmark.TrainingRates(oneThread: [1, 3, 2, 4], twoThreads: [2, 6, 4, 8]).medianOneThread, 2.5)
    }

    func testTheLearnersStepIsMeasuredOnOneThreadAndOnTwoInEveryRound() {
        let architecture = ModelArchitecture(observation: ObservationFormat(shape: [10, 10, 4], dtype: .uint8), torso: .minatar,
                                             hiddenSizes: [], numActions: 3)
        let parameters = ParameterInitializer.initialValues(for: architecture, seed: 1)
        var settings = LearnerSettings()
        settings.batchSize = 2
        settings.unrollLength = 4
        let rates = ModelBenchmark.trainingRates(architecture, parameters: parameters, settings: settings, seconds: 0.02, rounds: 3, seed: 1)
        XCTAssertEqual(rates.oneThread.count, 3)
        XCTAssertEqual(rates.twoThreads.count, 3)
        for rate in rates.oneThread + rates.twoThreads {
            XCTAssertTrue(rate.isFinite && rate > 0, "\(rate)")
        }
    }
}
