import Environments
import Foundation
import XCTest

/// CartPole against trajectories recorded from Gymnasium itself
/// (scripts/record-gymnasium-fixtures.py).
final class CartPoleTests: XCTestCase {
    struct Fixture: Decodable {
        struct Step: Decodable {
            let action: Int
            let observation: [Double]
            let reward: Double
            let terminated: Bool
            let truncated: Bool
        }
        struct Episode: Decodable {
            let initial_state: [Double]
            let steps: [Step]
        }
        let gymnasium: String
        let episodes: [Episode]
    }

    func testMatchesGymnasiumStepForStep() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/cartpole.json")
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: path))
        XCTAssertFalse(fixture.episodes.isEmpty)
        var sawTermination = false, sawTruncation = false
        let environment = CartPole(seed: 0)
        var observation = [Float](repeating: 0, count: 4)
        for (e, episode) in fixture.episodes.enumerated() {
            let s = episode.initial_state
            observation.withUnsafeMutableBytes { environment.reset(to: (s[0], s[1], s[2], s[3]), observation: $0) }
            for (t, expected) in episode.steps.enumerated() {
                let outcome = observation.withUnsafeMutableBytes { environment.step(action: expected.action, observation: $0) }
                for i in 0..<4 {
                    XCTAssertEqual(Double(observation[i]), expected.observation[i], accuracy: 1e-6, "episode \(e) step \(t) [\(i)]")
                }
                XCTAssertEqual(Double(outcome.reward), expected.reward)
                XCTAssertEqual(outcome.isLast, expected.terminated || expected.truncated, "episode \(e) step \(t)")
                if expected.terminated { XCTAssertEqual(outcome.discount, 0); sawTermination = true }
                if expected.truncated && !expected.terminated { XCTAssertEqual(outcome.discount, 1); sawTruncation = true }
            }
        }
        XCTAssertTrue(sawTermination && sawTruncation, "the fixture covers both endings")
    }

    func testResetIsSeededAndWithinTheInitialRange() {
        var a = [Float](repeating: 0, count: 4), b = a
        let first = CartPole(seed: 42), second = CartPole(seed: 42)
        for _ in 0..<20 {
            a.withUnsafeMutableBytes { first.reset(observation: $0) }
            b.withUnsafeMutableBytes { second.reset(observation: $0) }
            XCTAssertEqual(a, b)
            XCTAssertTrue(a.allSatisfy { abs($0) <= 0.05 })
        }
    }

    func testTruncatesAtFiveHundredStepsWithDiscountOne() {
        let environment = CartPole(seed: 1)
        var observation = [Float](repeating: 0, count: 4)
        observation.withUnsafeMutableBytes { environment.reset(to: (0, 0, 0, 0), observation: $0) }
        var last: StepOutcome?
        for step in 1...500 {
            // A simple balancing controller keeps the pole up well past 500 steps.
            let (x, xDot, theta, thetaDot) = environment.state
            let action = theta + 0.3 * thetaDot + 0.01 * x + 0.1 * xDot > 0 ? 1 : 0
            let outcome = observation.withUnsafeMutableBytes { environment.step(action: action, observation: $0) }
            if outcome.isLast { last = outcome; XCTAssertEqual(step, 500); break }
        }
        XCTAssertEqual(last, StepOutcome(reward: 1, isLast: true, discount: 1))
    }
}
