import Replay

/// Reward normalisation by the spread of returns (Gymnasium's `NormalizeReward`, which
/// CleanRL's and Stable-Baselines' MuJoCo PPO use): the running variance of each lane's
/// running discounted return, and rewards divided by its standard deviation, so the
/// value targets are of order 1 whatever the environment's reward scale. The mean is not
/// subtracted: that would change which behaviour is rewarded.
///
/// The lanes' running returns arrive with the unrolls (`Unroll.initialReturn`, continued
/// through each unroll's rewards), so the statistics are gathered here, on the learner
/// thread, batch by batch, as `InputStatistics` are: the server's hot path writes nothing
/// shared. Every new timestep of every fresh unroll joins once (replayed unrolls were
/// counted when fresh), merged with Chan et al.'s parallel update in Double. As in
/// Gymnasium, the statistics start from variance 1 with a weight of 1e-4 samples, and
/// rewards are scaled by the statistics as they stand, drifting with them.
struct ReturnStatistics: Equatable {
    static let epsilon = 1e-8
    static let priorCount = 1e-4
    let discount: Float
    private(set) var count = Self.priorCount
    private(set) var mean = 0.0
    private(set) var m2 = Self.priorCount  // variance 1 at the prior's weight
    /// The batch being gathered: count, Σg, Σg² (summable across ranks).
    private(set) var pending: [Double] = [0, 0, 0]

    init(discount: Float) {
        self.discount = discount
    }

    /// Counts the running returns after timesteps 1...T of each unroll (but FIRST's, which
    /// ends no transition).
    mutating func gather(_ unrolls: ArraySlice<Unroll>) {
        var n = 0.0, sum = 0.0, squares = 0.0
        for unroll in unrolls {
            unroll.forEachRunningReturn(discount: discount) { value in
                let g = Double(value)
                n += 1
                sum += g
                squares += g * g
            }
        }
        pending[0] += n
        pending[1] += sum
        pending[2] += squares
    }

    /// What rewards are divided by for the batch gathered now: 1/√(var + ε) of the running
    /// statistics with the gathered batch (a data-parallel job's: summed across its ranks)
    /// joined, so the first batch is already normalised; it is merged for good once the
    /// step is applied.
    var rewardFactor: Float {
        let joined = joinedMoments()
        return Float(1 / (joined.m2 / joined.count + Self.epsilon).squareRoot())
    }

    /// The gathered batch (summed across ranks by the caller where there are several).
    mutating func withPending<T>(_ body: (UnsafeMutableBufferPointer<Double>) -> T) -> T {
        pending.withUnsafeMutableBufferPointer { body($0) }
    }

    /// Forgets the gathered batch (its step was not applied).
    mutating func discardPending() {
        for index in pending.indices { pending[index] = 0 }  // in place: no new array each step
    }

    /// Merges the gathered batch into the running statistics and forgets it; a batch whose
    /// sums are not finite is dropped instead of poisoning every later factor.
    mutating func merge() {
        (count, mean, m2) = joinedMoments()
        discardPending()
    }

    /// The running statistics with the gathered batch joined (unchanged by an empty or
    /// non-finite batch).
    private func joinedMoments() -> (count: Double, mean: Double, m2: Double) {
        let batchCount = pending[0]
        guard batchCount > 0, pending[1].isFinite, pending[2].isFinite else { return (count, mean, m2) }
        var (joinedMean, joinedM2) = (mean, m2)
        mergeMoments(count: count, mean: &joinedMean, m2: &joinedM2, batchCount: batchCount, sum: pending[1], squares: pending[2])
        return (count + batchCount, joinedMean, joinedM2)
    }

    /// The running statistics as a checkpoint keeps them: count, mean, M2.
    var saved: [Double] { [count, mean, m2] }

    /// Continues from a checkpoint's `saved` numbers.
    mutating func restore(_ saved: [Double]) {
        precondition(saved.count == 3)
        count = saved[0]
        mean = saved[1]
        m2 = saved[2]
        discardPending()
    }
}
