import Contract
import LearnerLoop
import Model
import Randomness
import Replay

/// Unrolls with random content for measuring and checking the learner alone: random
/// observations of the spec's type, random actions and behaviour logits, rewards in
/// [-1, 1], and an episode end now and then. Deterministic in (seed, rank, step), so a
/// single process can rebuild any rank's batch.
public struct SyntheticUnrolls {
    let architecture: ModelArchitecture
    let unrollLength: Int
    let batchSize: Int
    let seed: UInt64

    public init(architecture: ModelArchitecture, unrollLength: Int, batchSize: Int, seed: UInt64) {
        self.architecture = architecture
        self.unrollLength = unrollLength
        self.batchSize = batchSize
        self.seed = seed
    }

    public func batch(rank: Int, step: Int) -> [Unroll] {
        var generator = SeededGenerator(seed: seed &+ UInt64(step) &* 0x9E37_79B9_7F4A_7C15, stream: UInt64(rank))
        return (0..<batchSize).map { _ in unroll(using: &generator) }
    }

    private func unroll(using generator: inout SeededGenerator) -> Unroll {
        let format = architecture.observation, head = architecture.head, width = architecture.action.width
        var unroll = Unroll(length: unrollLength, observationBytes: format.byteCount, actionWidth: width)
        // Behaviour: a random distribution of the head's kind (outputs uniform in [−1, 1], its
        // own parameters at their start), an action drawn from it and its log-probability.
        var outputs = [Float](repeating: 0, count: head.outputCount)
        var headParameters = [Float](repeating: 0, count: max(1, head.parameterCount))
        headParameters.withUnsafeMutableBufferPointer { head.initialParameters(into: $0.baseAddress!) }
        var previous = StepType.mid
        for t in 0..<unroll.timesteps {
            let type = previous == StepType.last ? StepType.first : (Double.random(in: 0..<1, using: &generator) < 0.05 ? StepType.last : StepType.mid)
            unroll.stepTypes[t] = type
            unroll.rewards[t] = type == StepType.first ? 0 : Float.random(in: -1...1, using: &generator)
            unroll.discounts[t] = type == StepType.last ? 0 : 1
            for j in outputs.indices { outputs[j] = Float.random(in: -1...1, using: &generator) }
            unroll.actions.withUnsafeMutableBufferPointer { actions in
                unroll.behaviourLogProbabilities[t] = head.sample(outputs: outputs, parameters: headParameters, generator: &generator,
                                                                  into: actions.baseAddress! + t * width)
            }
            previous = type
        }
        switch format.dtype {
        case .float32, .unspecified:
            unroll.observations.withUnsafeMutableBytes { raw in
                let floats = raw.bindMemory(to: Float.self)
                for index in floats.indices { floats[index] = Float.random(in: -2...2, using: &generator) }
            }
        case .uint8:
            for index in unroll.observations.indices { unroll.observations[index] = UInt8.random(in: 0...255, using: &generator) }
        }
        return unroll
    }
}
