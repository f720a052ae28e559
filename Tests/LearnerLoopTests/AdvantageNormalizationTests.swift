@testable import LearnerLoop
@testable import Model
import Randomness
import XCTest

/// `--normalize-advantages`: the batch's advantages rescaled before the loss, nothing else.
final class AdvantageNormalizationTests: XCTestCase {
    func testValidEntriesGetMeanZeroAndUnitDeviationAndInvalidOnesStayZero() {
        var generator = SeededGenerator(seed: 7)
        let valid = (0..<40).map { $0 % 7 != 3 }
        var advantages = valid.map { $0 ? 0.05 + 0.02 * generator.nextGaussian() : 0 }
        AdvantageNormalization.apply(&advantages, valid: valid, count: valid.count)
        let kept = zip(advantages, valid).filter { $0.1 }.map { Double($0.0) }
        let mean = kept.reduce(0, +) / Double(kept.count)
        let variance = kept.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(kept.count)
        XCTAssertEqual(mean, 0, accuracy: 1e-5)
        XCTAssertEqual(variance.squareRoot(), 1, accuracy: 1e-4)
        XCTAssertTrue(zip(advantages, valid).allSatisfy { $0.1 || $0.0 == 0 })
    }

    func testEqualAdvantagesBecomeZerosNotNaN() {
        var advantages: [Float] = [0.3, 0.3, 0.3, 9]
        AdvantageNormalization.apply(&advantages, valid: [true, true, true, false], count: 4)
        XCTAssertEqual(advantages, [0, 0, 0, 9])
        var none: [Float] = [1, 2]
        AdvantageNormalization.apply(&none, valid: [false, false], count: 2)
        XCTAssertEqual(none, [1, 2])
    }

    /// In the learner it changes the policy gradient only: the baseline loss (targets),
    /// the entropy and the replay priorities (raw advantages) are those of the same batch
    /// without it.
    func testTheLearnerNormalisesOnlyThePolicyGradient() {
        let unrolls = (0..<4).map { makeTestUnroll(seed: 100 + UInt64($0), types: $0 == 2 ? [.first, .mid, .last, .first, .mid, .mid] : nil) }
        let plain = makeTestLearner(batchSize: 4).computeGradient(unrolls)
        let normalised = makeTestLearner(batchSize: 4, normalizeAdvantages: true).computeGradient(unrolls)
        XCTAssertEqual(normalised.baselineLoss, plain.baselineLoss, accuracy: 1e-6)
        XCTAssertEqual(normalised.entropy, plain.entropy, accuracy: 1e-6)
        XCTAssertEqual(normalised.unrollPriorities, plain.unrollPriorities)
        XCTAssertNotEqual(normalised.policyLoss, plain.policyLoss)
        XCTAssertTrue(normalised.policyLoss.isFinite)
    }
}
