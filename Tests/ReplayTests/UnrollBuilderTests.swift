import Contract
import Replay
import XCTest

final class UnrollBuilderTests: XCTestCase {
    private func append(_ builder: inout UnrollBuilder, _ type: StepType, _ value: Float) -> Unroll? {
        let observation: [Float] = [value, -value]
        let action: [Float] = [value, -value]
        return observation.withUnsafeBytes { obs in
            builder.append(stepType: type, reward: value, discount: 1, observation: obs, action: action,
                           logProbability: -value, version: UInt64(value))
        }
    }

    func testUnrollsOfTPlusOneCarryTheLastStepOver() {
        var builder = UnrollBuilder(length: 3, observationBytes: 8, actionWidth: 2)
        XCTAssertNil(append(&builder, StepType.first, 0))
        XCTAssertNil(append(&builder, StepType.mid, 1))
        XCTAssertNil(append(&builder, StepType.mid, 2))
        let first = append(&builder, StepType.mid, 3)
        XCTAssertEqual(first?.rewards, [0, 1, 2, 3])
        XCTAssertEqual(first?.actions, [0, -0, 1, -1, 2, -2, 3, -3], "action rows of 2, lane-major")
        XCTAssertEqual(first?.behaviourLogProbabilities, [-0, -1, -2, -3])
        XCTAssertNil(append(&builder, StepType.mid, 4))
        XCTAssertNil(append(&builder, StepType.mid, 5))
        let second = append(&builder, StepType.mid, 6)
        XCTAssertEqual(second?.rewards, [3, 4, 5, 6], "the last timestep of one unroll is the first of the next")
        XCTAssertEqual(second?.observations.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) },
                       [3, -3, 4, -4, 5, -5, 6, -6])
        XCTAssertEqual(second?.versions, [3, 4, 5, 6])
        XCTAssertEqual(second?.actions, [3, -3, 4, -4, 5, -5, 6, -6], "the carried-over timestep keeps its action row")
        XCTAssertEqual(second?.behaviourLogProbabilities, [-3, -4, -5, -6])
    }

    func testEpisodeBoundaryInsideAnUnrollIsNotATransition() {
        var builder = UnrollBuilder(length: 4, observationBytes: 8, actionWidth: 2)
        _ = append(&builder, StepType.first, 0)
        _ = append(&builder, StepType.mid, 1)
        _ = append(&builder, StepType.last, 2)
        _ = append(&builder, StepType.first, 3)
        let unroll = append(&builder, StepType.mid, 4)!
        XCTAssertEqual((0..<4).map { unroll.isTransition($0) }, [true, true, false, true],
                       "the action answering LAST leads to a FIRST, not to a consequence")
        XCTAssertEqual(unroll.episodesEnded, 1)
    }

    /// dm_env allows a reset mid-episode: MID then FIRST. The step before that FIRST is
    /// not a transition (it used to be trained on with reward 0, bootstrapping from the
    /// next episode), and neither is FIRST followed by FIRST.
    func testAnEpisodeAbandonedWithoutLastIsCutBeforeTheFirst() {
        var builder = UnrollBuilder(length: 4, observationBytes: 8, actionWidth: 2)
        _ = append(&builder, StepType.first, 0)
        _ = append(&builder, StepType.mid, 1)
        _ = append(&builder, StepType.first, 2)
        _ = append(&builder, StepType.first, 3)
        let unroll = append(&builder, StepType.mid, 4)!
        XCTAssertEqual((0..<4).map { unroll.isTransition($0) }, [true, false, false, true])
        XCTAssertEqual(unroll.episodesEnded, 0, "an abandoned episode did not end with LAST")
    }

    func testADroppedBuilderTakesItsPartialUnrollWithIt() {
        weak var probe: Probe?
        do {
            var builder = UnrollBuilder(length: 5, observationBytes: 8, actionWidth: 2)
            _ = append(&builder, StepType.first, 0)
            let holder = Probe(builder)
            probe = holder
            XCTAssertEqual(holder.builder.count, 1)
        }
        XCTAssertNil(probe, "the partial unroll is freed with its stream")
    }

    private final class Probe {
        let builder: UnrollBuilder
        init(_ builder: UnrollBuilder) { self.builder = builder }
    }

    /// The server stages a Step on receipt and commits its action later; what it builds is
    /// what `append` builds.
    func testStageThenCommitEqualsAppend() {
        var staged = UnrollBuilder(length: 2, observationBytes: 8, actionWidth: 2)
        var appended = staged
        var completed: [Unroll] = []
        for step in 0..<5 {
            let observation = [UInt8](repeating: UInt8(step), count: 8)
            let action: [Float] = [Float(step % 3), 1]
            observation.withUnsafeBytes { bytes in
                staged.stage(stepType: step == 0 ? .first : .mid, reward: Float(step), discount: 1, observation: bytes)
                if let unroll = staged.commit(action: action, logProbability: Float(step), version: UInt64(step)) { completed.append(unroll) }
                if let unroll = appended.append(stepType: step == 0 ? .first : .mid, reward: Float(step), discount: 1, observation: bytes,
                                                action: action, logProbability: Float(step), version: UInt64(step)) {
                    XCTAssertEqual(unroll.observations, completed.last?.observations)
                    XCTAssertEqual(unroll.behaviourLogProbabilities, completed.last?.behaviourLogProbabilities)
                    XCTAssertEqual(unroll.versions, completed.last?.versions)
                }
            }
        }
        XCTAssertEqual(completed.count, 2)
        XCTAssertEqual(completed[1].rewards, [2, 3, 4], "the carried-over timestep opens the next unroll")
    }

    /// A recurrent policy's unrolls start from the state before their first timestep:
    /// the first from the state staged with it, the next from the state staged with the
    /// carried-over timestep.
    func testUnrollsCarryTheStateTheyStartFrom() {
        var builder = UnrollBuilder(length: 2, observationBytes: 1, actionWidth: 1, stateSize: 2)
        var unrolls: [Unroll] = []
        for step in 0..<5 {
            let state: [Float] = [Float(step), -Float(step)]
            [UInt8(step)].withUnsafeBytes { bytes in
                builder.stage(stepType: step == 0 ? .first : .mid, reward: 0, discount: 1, observation: bytes, state: state)
            }
            if let unroll = builder.commit(action: [0], logProbability: 0, version: 0) { unrolls.append(unroll) }
        }
        XCTAssertEqual(unrolls.count, 2)
        XCTAssertEqual(unrolls[0].initialState, [0, 0])
        XCTAssertEqual(unrolls[1].initialState, [2, -2], "timestep 2 opens the second unroll")
    }

    /// Reward normalisation needs each lane's running discounted return, restarting at
    /// every FIRST, continued across unrolls: each unroll carries it at timestep 0, and
    /// continuing it through the unroll's rewards gives the lane's own at every timestep
    /// but FIRST (which ends no transition) — here one inside an unroll and one on the
    /// timestep two unrolls share.
    func testUnrollsCarryTheLanesRunningReturn() {
        let discount: Float = 0.5
        var builder = UnrollBuilder(length: 3, observationBytes: 1, returnDiscount: discount)
        let types: [StepType] = [.first, .mid, .last, .first, .mid, .last, .first, .mid, .mid, .mid, .mid, .mid, .mid]
        let rewards: [Float] = [0, 1, 2, 0, 4, 8, 0, 3, 2, 6, 1, 1, 1]
        var expected: [Float] = [], running: Float = 0
        var unrolls: [Unroll] = []
        for (type, reward) in zip(types, rewards) {
            running = type == .first ? reward : discount * running + reward
            expected.append(running)
            if let unroll = [UInt8(0)].withUnsafeBytes({ bytes in
                builder.append(stepType: type, reward: reward, discount: 1, observation: bytes, action: [0], logProbability: 0, version: 0)
            }) { unrolls.append(unroll) }
        }
        XCTAssertEqual(unrolls.count, 4)
        XCTAssertEqual(expected, [0, 1, 2.5, 0, 4, 10, 0, 3, 3.5, 7.75, 4.875, 3.4375, 2.71875])
        XCTAssertEqual(unrolls.map(\.initialReturn), [0, 0, 0, 7.75], "the last unroll starts mid-episode, at the lane's 7.75")
        var continued: [[Float]] = []
        for unroll in unrolls {
            continued.append([])
            unroll.forEachRunningReturn(discount: discount) { continued[continued.count - 1].append($0) }
        }
        XCTAssertEqual(continued, [[1, 2.5], [4, 10], [3, 3.5, 7.75], [4.875, 3.4375, 2.71875]],
                       "the lane's returns, FIRST (inside an unroll and on a shared timestep) adding no sample")
    }
}
