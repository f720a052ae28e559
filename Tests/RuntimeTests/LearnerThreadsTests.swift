import Contract
import Model
@testable import Runtime
import XCTest

/// `--learner-threads`' default: two for a conv torso on Atari-sized frames (training is
/// the bottleneck, the actors are other processes), one for everything else; a value set
/// on the command line wins.
final class LearnerThreadsTests: XCTestCase {
    private func architecture(_ shape: [Int], _ torso: TorsoKind) -> ModelArchitecture {
        ModelArchitecture(observation: ObservationFormat(shape: shape, dtype: .uint8), torso: torso, hiddenSizes: [64], numActions: 6)
    }

    func testAConvTorsoOnAtariSizedFramesGetsTwoThreadsAndTheRestOne() {
        let learning = LearningConfiguration()
        XCTAssertEqual(learning.learnerThreads(for: architecture([84, 84, 4], .nature)), 2)
        XCTAssertEqual(learning.learnerThreads(for: architecture([84, 84, 4], .impala)), 2)
        XCTAssertEqual(learning.learnerThreads(for: architecture([84, 84, 4], .mlp)), 1, "the MLP's step is short")
        XCTAssertEqual(learning.learnerThreads(for: architecture([32, 32, 1], .impala)), 1, "pixel-catch trains beside in-process actors")
        XCTAssertEqual(learning.learnerThreads(for: architecture([10, 10, 4], .minatar)), 1)
        XCTAssertEqual(learning.learnerThreads(for: architecture([4], .mlp)), 1)
    }

    func testAValueSetOnTheCommandLineWins() {
        var learning = LearningConfiguration()
        learning.learnerThreads = 1
        XCTAssertEqual(learning.learnerThreads(for: architecture([84, 84, 4], .nature)), 1)
        learning.learnerThreads = 2
        XCTAssertEqual(learning.learnerThreads(for: architecture([10, 10, 4], .minatar)), 2)
    }
}
