import Environments
import Foundation

/// A trajectory recorded from MinAtar itself by scripts/record-minatar-fixtures.py: the
/// agent's actions and, after the reset and after every step, the draws MinAtar made, the
/// observation, reward and terminal flag.
struct MinAtarFixture: Decodable {
    struct Episode: Decodable {
        let policy: String
        let actions: [Int]
        let applied_actions: [Int]
        let rewards: [Int]
        let terminals: [Int]
        /// The flat indices of the true cells, three digits each; the reset's first.
        let observations: [String]
        /// "<numpy call> <results...>" per draw; the reset's draws first, then each step's.
        let draws: [[String]]
        let difficulty_ramp: Int?
        let sticky_repeats: Int
    }

    let minatar: String
    let game: String
    let shape: [Int]
    let sticky_action_prob: Double
    let difficulty_ramping: Bool
    let episodes: [Episode]

    static func load(_ name: String, from directory: URL) throws -> MinAtarFixture {
        try JSONDecoder().decode(MinAtarFixture.self, from: Data(contentsOf: directory.appendingPathComponent("minatar-\(name).json")))
    }
}

/// Hands the port MinAtar's recorded draws one by one, checking that each is the numpy call
/// the port asks for (same kind, same arguments) in the same order.
final class ReplayedDraws: MinAtarRandom {
    private var recorded: [String] = []
    private var next = 0
    private var context = ""
    private var problems: [String] = []
    private(set) var consumed = 0

    /// The draws of one reset or step, replacing the last one's.
    func load(_ draws: [String], context: String) {
        recorded = draws
        next = 0
        self.context = context
    }

    /// Draws MinAtar made that the port has not asked for.
    var unused: ArraySlice<String> { recorded[next...] }

    /// The mismatches since the last call.
    func takeProblems() -> [String] {
        defer { problems = [] }
        return problems
    }

    func uniform() -> Double { values(of: "rand", count: 1)[0] }
    func integer(below upperBound: Int) -> Int { Int(values(of: "randint(\(upperBound))", count: 1)[0]) }
    func integer(in range: Range<Int>) -> Int { Int(values(of: "randint(\(range.lowerBound),\(range.upperBound))", count: 1)[0]) }
    func uniforms(count: Int) -> [Double] { values(of: "rand(\(count))", count: count) }
    func integers(in range: Range<Int>, count: Int) -> [Int] {
        values(of: "randint(\(range.lowerBound),\(range.upperBound),\(count))", count: count).map { Int($0) }
    }

    private func values(of call: String, count: Int) -> [Double] {
        let zeros = [Double](repeating: 0, count: count)
        guard next < recorded.count else {
            problems.append("\(context): the port drew \(call), MinAtar drew nothing more")
            return zeros
        }
        let draw = recorded[next]
        next += 1
        consumed += 1
        let parts = draw.split(separator: " ")
        guard parts.first.map(String.init) == call, parts.count == count + 1 else {
            problems.append("\(context): the port drew \(call), MinAtar drew \(draw)")
            return zeros
        }
        return parts.dropFirst().map { Double($0)! }
    }
}

/// What a replay compared, and where it first diverged from MinAtar (it stops there).
struct MinAtarReplayReport {
    var episodes = 0, steps = 0, draws = 0, stickyRepeats = 0, terminals = 0
    var highestRamp: Int?
    var problems: [String] = []
}

/// Replays a fixture into `MinAtarEnvironment(game)` with MinAtar's defaults (full action
/// set, sticky actions 0.1, ramping on) and compares every reset and step.
func replay(_ fixture: MinAtarFixture, into game: MinAtarEnvironment.Game) -> MinAtarReplayReport {
    var report = MinAtarReplayReport()
    let draws = ReplayedDraws()
    let environment = MinAtarEnvironment(game, random: draws)
    guard environment.spec.shape == fixture.shape, environment.spec.action == .discrete(6),
          fixture.sticky_action_prob == 0.1, fixture.difficulty_ramping else {
        report.problems.append("the fixture's settings \(fixture.shape) are not the port's \(environment.spec.shape)")
        return report
    }
    var observation = [UInt8](repeating: 0, count: environment.spec.byteCount)

    func check(_ moment: String, expectedObservation: String) -> Bool {
        let actual = observation.indices.filter { observation[$0] != 0 }
        let expected = stride(from: 0, to: expectedObservation.count, by: 3).map { offset -> Int in
            let start = expectedObservation.index(expectedObservation.startIndex, offsetBy: offset)
            return Int(expectedObservation[start..<expectedObservation.index(start, offsetBy: 3)])!
        }
        if actual != expected { report.problems.append("\(moment): true cells \(actual), MinAtar's \(expected)") }
        if observation.contains(where: { $0 != 0 && $0 != 255 }) { report.problems.append("\(moment): cells other than 0 and 255") }
        if !draws.unused.isEmpty { report.problems.append("\(moment): MinAtar also drew \(Array(draws.unused))") }
        report.problems += draws.takeProblems()
        report.draws = draws.consumed
        return report.problems.isEmpty
    }

    for (e, episode) in fixture.episodes.enumerated() {
        draws.load(episode.draws[0], context: "episode \(e) reset")
        observation.withUnsafeMutableBytes { environment.reset(observation: $0) }
        guard check("episode \(e) reset", expectedObservation: episode.observations[0]) else { return report }
        for (t, action) in episode.actions.enumerated() {
            let here = "episode \(e) step \(t + 1)"
            draws.load(episode.draws[t + 1], context: here)
            let outcome = observation.withUnsafeMutableBytes { environment.step(action: action, observation: $0) }
            let terminal = episode.terminals[t] == 1
            if environment.appliedAction != episode.applied_actions[t] {
                report.problems.append("\(here): applied \(environment.appliedAction), MinAtar \(episode.applied_actions[t])")
            }
            if outcome != StepOutcome(reward: Float(episode.rewards[t]), isLast: terminal, discount: terminal ? 0 : 1) {
                report.problems.append("\(here): \(outcome), MinAtar reward \(episode.rewards[t]) terminal \(terminal)")
            }
            guard check(here, expectedObservation: episode.observations[t + 1]) else { return report }
            report.steps += 1
            report.terminals += terminal ? 1 : 0
        }
        if environment.difficultyRamp != episode.difficulty_ramp {
            report.problems.append("episode \(e): ramp \(String(describing: environment.difficultyRamp)), MinAtar \(String(describing: episode.difficulty_ramp))")
            return report
        }
        report.episodes += 1
        report.stickyRepeats += episode.sticky_repeats
        if let ramp = episode.difficulty_ramp { report.highestRamp = max(report.highestRamp ?? 0, ramp) }
    }
    return report
}
