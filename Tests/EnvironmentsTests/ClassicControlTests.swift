import Environments
import Foundation
import XCTest

/// Acrobot and MountainCar against trajectories recorded from Gymnasium itself
/// (scripts/record-gymnasium-fixtures.py), plus Catch and the synthetic frames.
final class ClassicControlTests: XCTestCase {
    private func replay(
        _ name: String, reset: (Environment, [Double], inout [Float]) -> Void, make: () -> Environment,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name).json")
        let fixture = try JSONDecoder().decode(CartPoleTests.Fixture.self, from: Data(contentsOf: path))
        let environment = make()
        var observation = [Float](repeating: 0, count: environment.spec.shape.reduce(1, *))
        var endings = Set<String>()
        for (e, episode) in fixture.episodes.enumerated() {
            reset(environment, episode.initial_state, &observation)
            for (t, expected) in episode.steps.enumerated() {
                let outcome = observation.withUnsafeMutableBytes { environment.step(action: expected.action, observation: $0) }
                for i in observation.indices {
                    XCTAssertEqual(Double(observation[i]), expected.observation[i], accuracy: 1e-6,
                                   "\(name) episode \(e) step \(t) [\(i)]", file: file, line: line)
                }
                XCTAssertEqual(Double(outcome.reward), expected.reward, "\(name) episode \(e) step \(t)", file: file, line: line)
                XCTAssertEqual(outcome.isLast, expected.terminated || expected.truncated, "\(name) episode \(e) step \(t)", file: file, line: line)
                if outcome.isLast {
                    XCTAssertEqual(outcome.discount, expected.terminated ? 0 : 1, file: file, line: line)
                    endings.insert(expected.terminated ? "terminated" : "truncated")
                }
            }
        }
        XCTAssertEqual(endings, ["terminated", "truncated"], "\(name): the fixture covers both endings", file: file, line: line)
    }

    func testMountainCarMatchesGymnasium() throws {
        try replay("mountaincar", reset: { environment, state, observation in
            observation.withUnsafeMutableBytes { (environment as! MountainCar).reset(to: (state[0], state[1]), observation: $0) }
        }, make: { MountainCar(seed: 0) })
    }

    func testAcrobotMatchesGymnasium() throws {
        try replay("acrobot", reset: { environment, state, observation in
            observation.withUnsafeMutableBytes { (environment as! Acrobot).reset(to: state, observation: $0) }
        }, make: { Acrobot(seed: 0) })
    }

    func testCatchRewardsACatchAndPunishesAMiss() {
        let game = Catch(seed: 3)
        var board = [Float](repeating: 0, count: 50)
        for _ in 0..<20 {
            board.withUnsafeMutableBytes { game.reset(observation: $0) }
            XCTAssertEqual(board.reduce(0, +), 2, "ball and paddle")
            let target = game.ball.x
            var outcome = StepOutcome(reward: 0, isLast: false, discount: 1)
            var steps = 0
            while !outcome.isLast {
                let action = game.paddleX < target ? 2 : game.paddleX > target ? 0 : 1
                outcome = board.withUnsafeMutableBytes { game.step(action: action, observation: $0) }
                steps += 1
            }
            XCTAssertEqual(steps, 9)
            XCTAssertEqual(outcome, StepOutcome(reward: 1, isLast: true, discount: 0))
        }
        board.withUnsafeMutableBytes { game.reset(observation: $0) }
        let away = game.ball.x >= 2 ? 0 : 2
        var outcome = StepOutcome(reward: 0, isLast: false, discount: 1)
        while !outcome.isLast { outcome = board.withUnsafeMutableBytes { game.step(action: away, observation: $0) } }
        XCTAssertEqual(outcome.reward, game.paddleX == game.ball.x ? 1 : -1)
    }

    func testSyntheticFramesAreAtariSizedAndTruncate() {
        let environment = SyntheticFrames(seed: 1)
        XCTAssertEqual(environment.spec.byteCount, 28_224)
        var frame = [UInt8](repeating: 0, count: 28_224)
        frame.withUnsafeMutableBytes { environment.reset(observation: $0) }
        var last = StepOutcome(reward: 0, isLast: false, discount: 1)
        var steps = 0
        while !last.isLast {
            last = frame.withUnsafeMutableBytes { environment.step(action: 0, observation: $0) }
            steps += 1
        }
        XCTAssertEqual(steps, SyntheticFrames.episodeLength)
        XCTAssertEqual(last.discount, 1)
        XCTAssertTrue(frame.contains(255), "the square is drawn")
    }

    func testEveryKnownEnvironmentIsFoundByNameAndAlias() {
        for name in KnownEnvironment.names { XCTAssertEqual(KnownEnvironment(named: name)?.rawValue, name) }
        XCTAssertEqual(KnownEnvironment(named: "CartPole-v1"), .cartpole)
        XCTAssertEqual(KnownEnvironment(named: "frames"), .syntheticFrames)
        XCTAssertNil(KnownEnvironment(named: "pong"))
    }

    /// `seedrl train`'s default target: Gymnasium's reward_threshold, or the maximum return.
    func testEachTaskCarriesItsSolvedReturn() {
        XCTAssertEqual(KnownEnvironment.cartpole.solvedReturn, 475)
        XCTAssertEqual(KnownEnvironment.acrobot.solvedReturn, -100)
        XCTAssertEqual(KnownEnvironment.mountaincar.solvedReturn, -110)
        XCTAssertEqual(KnownEnvironment.catch.solvedReturn, 1)
        XCTAssertNil(KnownEnvironment.syntheticFrames.solvedReturn)
    }
}
