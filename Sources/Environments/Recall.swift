import Contract
import Randomness

/// A memory task a feed-forward policy cannot solve: the first observation shows a cue
/// (one of two), then `delay − 1` blank observations follow, then a query; the action
/// answering the query earns +1 if it names the cue and −1 otherwise (LAST, discount 0).
/// Actions before the query do nothing. A policy without memory sees the same query
/// whatever the cue was, so it is right half the time (mean return 0); a recurrent one
/// can carry the cue across the delay (mean return 1).
///
/// Observation [cue is 0, cue is 1, query], float32; 2 actions.
public final class Recall: DiscreteEnvironment {
    public let delay: Int
    public let spec = ObservationSpec(envName: "Recall", shape: [3], dtype: .float32, numActions: 2)
    private var generator: SeededGenerator
    public private(set) var cue = 0
    private var t = 0

    /// - Parameter delay: steps from the cue to the query (at least 1; 10 by default).
    public init(seed: UInt64, delay: Int = 10) {
        precondition(delay >= 1)
        self.delay = delay
        generator = SeededGenerator(seed: seed, stream: 0x4EC4)
    }

    public func reset(observation: UnsafeMutableRawBufferPointer) {
        cue = Int(generator.next() & 1)
        t = 0
        write(observation, cue: cue, query: false)
    }

    public func step(action: Int, observation: UnsafeMutableRawBufferPointer) -> StepOutcome {
        if t == delay {
            write(observation, cue: nil, query: false)
            return StepOutcome(reward: action == cue ? 1 : -1, isLast: true, discount: 0)
        }
        t += 1
        write(observation, cue: nil, query: t == delay)
        return StepOutcome(reward: 0, isLast: false, discount: 1)
    }

    private func write(_ observation: UnsafeMutableRawBufferPointer, cue: Int?, query: Bool) {
        let values = observation.bindMemory(to: Float.self)
        values[0] = cue == 0 ? 1 : 0
        values[1] = cue == 1 ? 1 : 0
        values[2] = query ? 1 : 0
    }
}
