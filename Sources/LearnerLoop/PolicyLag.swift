/// The policy lag of the transitions a step trained on: the mean and its distribution
/// (median, 90th percentile, maximum), in parameter versions.
struct PolicyLag {
    private var lags: [UInt64] = []

    mutating func reserve(_ count: Int) { lags.reserveCapacity(count) }

    mutating func add(learner: UInt64, behaviour: UInt64) { lags.append(learner &- behaviour) }

    /// Writes the mean and the distribution into `report`.
    mutating func write(into report: inout TrainingStepReport) {
        guard !lags.isEmpty else { return }
        lags.sort()
        report.policyLag = Double(lags.reduce(0, &+)) / Double(lags.count)
        report.policyLagMedian = Double(lags[lags.count / 2])
        report.policyLagP90 = Double(lags[min(lags.count - 1, lags.count * 9 / 10)])
        report.policyLagMax = Double(lags[lags.count - 1])
    }
}
