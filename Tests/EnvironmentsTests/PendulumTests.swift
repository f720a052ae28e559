import Contract
import Environments
import Foundation
import XCTest

/// Pendulum against trajectories recorded from Gymnasium itself
/// (scripts/record-gymnasium-fixtures.py): random torques inside and outside the box
/// (the environment clips them) and a swing-up controller, 200 steps each.
final class PendulumTests: XCTestCase {
    private struct Fixture: Decodable {
        struct Step: Decodable {
            let action: [Float]
            let observation: [Double]
            let reward: Double
            let terminated: Bool
            let truncated: Bool
        }
        struct Episode: Decodable {
            let initial_state: [Double]
            let steps: [Step]
        }
        let episodes: [Episode]
    }

    func testMatchesGymnasiumStepForStep() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/pendulum.json")
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: path))
        let pendulum = Pendulum(seed: 0)
        var observation = [Float](repeating: 0, count: 3)
        XCTAssertEqual(fixture.episodes.count, 4)
        for (e, episode) in fixture.episodes.enumerated() {
            observation.withUnsafeMutableBytes { pendulum.reset(to: (episode.initial_state[0], episode.initial_state[1]), observation: $0) }
            for (t, expected) in episode.steps.enumerated() {
                let outcome = observation.withUnsafeMutableBytes { pendulum.step(action: expected.action, observation: $0) }
                for i in 0..<3 {
                    XCTAssertEqual(Double(observation[i]), expected.observation[i], accuracy: 1e-5, "episode \(e) step \(t) [\(i)]")
                }
                XCTAssertEqual(Double(outcome.reward), expected.reward, accuracy: 1e-5 * max(1, abs(expected.reward)), "episode \(e) step \(t)")
                XCTAssertEqual(outcome.isLast, expected.terminated || expected.truncated, "episode \(e) step \(t)")
                XCTAssertFalse(expected.terminated, "Pendulum never terminates")
                if outcome.isLast { XCTAssertEqual(outcome.discount, 1, "truncated: bootstrap") }
            }
        }
        // The controller swings it up from hanging down: the fixture covers the whole circle.
        XCTAssertLessThan(fixture.episodes[3].steps.first!.reward, -9)
        XCTAssertGreaterThan(fixture.episodes[3].steps.last!.reward, -0.5)
    }

    func testSpecIsABoxOfOneTorque() {
        let spec = Pendulum(seed: 1).spec
        XCTAssertEqual(spec.action, .box(low: [-2], high: [2]))
        XCTAssertEqual(spec.shape, [3])
        XCTAssertEqual(KnownEnvironment(named: "Pendulum-v1"), .pendulum)
        XCTAssertEqual(KnownEnvironment.pendulum.solvedReturn, -200)
    }

    func testResetIsSeededAndWithinGymnasiumsRange() {
        let a = Pendulum(seed: 4), b = Pendulum(seed: 4)
        var x = [Float](repeating: 0, count: 3), y = x
        for _ in 0..<50 {
            x.withUnsafeMutableBytes { a.reset(observation: $0) }
            y.withUnsafeMutableBytes { b.reset(observation: $0) }
            XCTAssertEqual(x, y)
            XCTAssertLessThanOrEqual(abs(a.state.angle), Double.pi)
            XCTAssertLessThanOrEqual(abs(a.state.speed), 1)
        }
    }
}
