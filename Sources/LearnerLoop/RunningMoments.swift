/// Chan et al.'s parallel update of a running mean and M2 (the sum of squared deviations)
/// over `count` samples with a batch given as its count, Σx and Σx², in Double: the merge
/// both `InputStatistics` (per feature) and `ReturnStatistics` use.
@inline(__always)
func mergeMoments(count: Double, mean: inout Double, m2: inout Double, batchCount: Double, sum: Double, squares: Double) {
    let total = count + batchCount
    let batchMean = sum / batchCount
    let batchM2 = max(0, squares - batchCount * batchMean * batchMean)
    let delta = batchMean - mean
    mean += delta * batchCount / total
    m2 += batchM2 + delta * delta * count * batchCount / total
}
