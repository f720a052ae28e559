import Contract
import Environments
import Foundation
import XCTest

/// The MinAtar ports against trajectories recorded from MinAtar 1.0.15 itself
/// (scripts/record-minatar-fixtures.py), fed MinAtar's own draws: every observation,
/// reward, terminal and applied action must match, and every draw be used in order.
final class MinAtarTests: XCTestCase {
    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    private func replayMatchesMinAtar(
        _ game: MinAtarEnvironment.Game, fixture name: String, ramps: Bool, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let fixture = try MinAtarFixture.load(name, from: Self.fixtures)
        let report = replay(fixture, into: game)
        XCTAssertEqual(report.problems, [], "first divergence from MinAtar", file: file, line: line)
        XCTAssertEqual(report.steps, fixture.episodes.map(\.actions.count).reduce(0, +), file: file, line: line)
        XCTAssertEqual(report.draws, fixture.episodes.flatMap { $0.draws.joined() }.count, "every draw used", file: file, line: line)
        XCTAssertGreaterThan(report.terminals, 0, "the fixture ends episodes", file: file, line: line)
        XCTAssertGreaterThan(report.stickyRepeats, 0, "the fixture exercises sticky actions", file: file, line: line)
        if ramps { XCTAssertGreaterThan(report.highestRamp ?? 0, 1, "the fixture ramps the difficulty", file: file, line: line) }
    }

    func testBreakoutMatchesMinAtar() throws { try replayMatchesMinAtar(.breakout, fixture: "breakout", ramps: false) }
    func testAsterixMatchesMinAtar() throws { try replayMatchesMinAtar(.asterix, fixture: "asterix", ramps: true) }
    func testFreewayMatchesMinAtar() throws { try replayMatchesMinAtar(.freeway, fixture: "freeway", ramps: false) }
    func testSpaceInvadersMatchesMinAtar() throws { try replayMatchesMinAtar(.spaceInvaders, fixture: "space-invaders", ramps: true) }
    func testSeaquestMatchesMinAtar() throws { try replayMatchesMinAtar(.seaquest, fixture: "seaquest", ramps: true) }

    /// `minimal_action_set()` indexes the full set: minimal action i is full action set[i].
    func testMinimalActionsAreTheirFullActions() {
        let minimal: [MinAtarEnvironment.Game: [Int]] = [
            .breakout: [0, 1, 3], .asterix: [0, 1, 2, 3, 4], .freeway: [0, 2, 4], .spaceInvaders: [0, 1, 3, 5],
            .seaquest: [0, 1, 2, 3, 4, 5],
        ]
        for (game, actions) in minimal {
            let reduced = MinAtarEnvironment(game, seed: 5, minimalActions: true), full = MinAtarEnvironment(game, seed: 5)
            XCTAssertEqual(reduced.spec.action, .discrete(actions.count))
            XCTAssertEqual(full.spec.action, .discrete(6))
            var a = [UInt8](repeating: 0, count: full.spec.byteCount), b = a
            a.withUnsafeMutableBytes { reduced.reset(observation: $0) }
            b.withUnsafeMutableBytes { full.reset(observation: $0) }
            for t in 0..<300 {
                let choice = (t * 7 + t / 3) % actions.count
                let x = a.withUnsafeMutableBytes { reduced.step(action: choice, observation: $0) }
                let y = b.withUnsafeMutableBytes { full.step(action: actions[choice], observation: $0) }
                XCTAssertEqual(x, y, "\(game) step \(t)")
                XCTAssertEqual(a, b, "\(game) step \(t)")
                if x.isLast { break }
            }
        }
    }

    func testStickyActionProbabilityDecidesWhichActionIsApplied() {
        var frame = [UInt8](repeating: 0, count: 600)
        let never = MinAtarEnvironment(.spaceInvaders, seed: 1, stickyActionProbability: 0)
        let always = MinAtarEnvironment(.spaceInvaders, seed: 1, stickyActionProbability: 1)
        for environment in [never, always] { frame.withUnsafeMutableBytes { environment.reset(observation: $0) } }
        for t in 0..<20 {
            _ = frame.withUnsafeMutableBytes { never.step(action: 1 + t % 5, observation: $0) }
            _ = frame.withUnsafeMutableBytes { always.step(action: 1 + t % 5, observation: $0) }
            XCTAssertEqual(never.appliedAction, 1 + t % 5)
            XCTAssertEqual(always.appliedAction, 0, "the first action, noop, sticks forever")
        }
    }

    /// Seeded episodes repeat, emit only 0 and 1, and end with LAST and discount 0.
    func testSeededEpisodesRepeatAndTerminate() {
        for game in MinAtarEnvironment.Game.allCases {
            let first = MinAtarEnvironment(game, seed: 9), second = MinAtarEnvironment(game, seed: 9)
            var a = [UInt8](repeating: 0, count: first.spec.byteCount), b = a
            a.withUnsafeMutableBytes { first.reset(observation: $0) }
            b.withUnsafeMutableBytes { second.reset(observation: $0) }
            var steps = 0, outcome = StepOutcome(reward: 0, isLast: false, discount: 1)
            while !outcome.isLast && steps < 10_000 {
                let action = (steps * 5 + steps / 7) % 6
                outcome = a.withUnsafeMutableBytes { first.step(action: action, observation: $0) }
                XCTAssertEqual(b.withUnsafeMutableBytes { second.step(action: action, observation: $0) }, outcome)
                XCTAssertEqual(a, b, "\(game) step \(steps)")
                XCTAssertTrue(a.allSatisfy { $0 == 0 || $0 == 255 })
                steps += 1
            }
            XCTAssertTrue(outcome.isLast, "\(game) ends")
            XCTAssertEqual(outcome.discount, 0)
            if game == .freeway { XCTAssertEqual(steps, 2501, "Freeway ends on its 2,501st step") }
        }
    }

    func testKnownByNameWithMinAtarSpecs() {
        let expected: [(String, String, Int)] = [
            ("minatar-breakout", "MinAtar/Breakout", 4), ("minatar-asterix", "MinAtar/Asterix", 4),
            ("minatar-freeway", "MinAtar/Freeway", 7), ("minatar-space-invaders", "MinAtar/SpaceInvaders", 6),
            ("minatar-seaquest", "MinAtar/Seaquest", 10),
        ]
        for (name, envName, channels) in expected {
            let spec = KnownEnvironment(named: name)?.spec
            XCTAssertEqual(spec, ObservationSpec(envName: envName, shape: [10, 10, channels], dtype: .uint8, numActions: 6))
            XCTAssertEqual(KnownEnvironment(named: envName + "-v0"), KnownEnvironment(named: name))
        }
    }
}
