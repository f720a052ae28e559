import Model

/// The running mean and variance of the encoded inputs the learner trains on, for a model
/// that normalises its inputs: every new timestep of every batch joins once (the
/// carried-over first timestep of an unroll was counted with the unroll before), merged
/// batch by batch with Chan et al.'s parallel update, in Double. After each applied step
/// the learner writes mean and 1/√(var + ε) into the parameters it publishes, so the
/// server, the evaluator and an export normalise with the same numbers.
///
/// These are the observations served to actors, as far as they reach the learner:
/// gathering them here (one thread, in order) keeps the server's hot path free of shared
/// writes and makes the statistics deterministic given the batches.
struct InputStatistics {
    static let epsilon = 1e-8
    let width: Int
    private(set) var count: Double = 0
    private var mean: [Double]
    private var m2: [Double]
    /// The batch being gathered: count, then Σx, then Σx² per feature (summable across ranks).
    private(set) var pending: [Double]

    init(width: Int) {
        self.width = width
        mean = Array(repeating: 0, count: width)
        m2 = mean
        pending = Array(repeating: 0, count: 1 + 2 * width)
    }

    /// Counts `rows` input rows.
    mutating func gather(_ input: UnsafePointer<Float>, rows: Int) {
        pending[0] += Double(rows)
        pending.withUnsafeMutableBufferPointer { pending in
            for row in 0..<rows {
                let x = input + row * width
                for j in 0..<width {
                    let value = Double(x[j])
                    pending[1 + j] += value
                    pending[1 + width + j] += value * value
                }
            }
        }
    }

    /// The gathered batch (summed across ranks by the caller where there are several).
    mutating func withPending<T>(_ body: (UnsafeMutableBufferPointer<Double>) -> T) -> T {
        pending.withUnsafeMutableBufferPointer { body($0) }
    }

    /// Forgets the gathered batch (its step was not applied).
    mutating func discardPending() {
        for index in pending.indices { pending[index] = 0 }
    }

    /// Merges the gathered batch into the running statistics and forgets it.
    mutating func merge() {
        let batchCount = pending[0]
        guard batchCount > 0 else { return }
        for j in 0..<width {
            mergeMoments(count: count, mean: &mean[j], m2: &m2[j], batchCount: batchCount, sum: pending[1 + j],
                         squares: pending[1 + width + j])
        }
        count += batchCount
        for index in pending.indices { pending[index] = 0 }
    }

    /// Writes mean and inverse standard deviation where the layout keeps them.
    func write(into parameters: UnsafeMutablePointer<Float>, layout: ParameterLayout) {
        guard count > 0 else { return }
        for j in 0..<width {
            parameters[layout.normalizerOffset + j] = Float(mean[j])
            let variance = m2[j] / count
            parameters[layout.normalizerOffset + width + j] = Float(1 / (variance + Self.epsilon).squareRoot())
        }
    }

    /// Statistics as published in `parameters`, standing for `count` samples (a resumed
    /// run continues from its checkpoint's numbers, weighted by the frames it trained).
    mutating func restore(from parameters: UnsafePointer<Float>, layout: ParameterLayout, count: Double) {
        self.count = count
        for j in 0..<width {
            mean[j] = Double(parameters[layout.normalizerOffset + j])
            let inverseStd = Double(parameters[layout.normalizerOffset + width + j])
            m2[j] = max(0, 1 / (inverseStd * inverseStd) - Self.epsilon) * count
        }
    }
}
