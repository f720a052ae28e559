/// PPO's advantage normalisation: the valid entries of a batch's advantages shifted to
/// mean 0 and scaled to standard deviation 1 (population, plus a small ε so a batch of
/// equal advantages becomes zeros rather than NaN). Invalid entries are left as they are.
enum AdvantageNormalization {
    static let epsilon: Float = 1e-8

    static func apply(_ advantages: UnsafeMutablePointer<Float>, valid: UnsafePointer<Bool>, count: Int) {
        var validCount = 0
        var sum = 0.0
        for i in 0..<count where valid[i] {
            validCount += 1
            sum += Double(advantages[i])
        }
        guard validCount > 0 else { return }
        let mean = sum / Double(validCount)
        var squares = 0.0
        for i in 0..<count where valid[i] {
            let d = Double(advantages[i]) - mean
            squares += d * d
        }
        let scale = Float(1 / ((squares / Double(validCount)).squareRoot() + Double(epsilon)))
        for i in 0..<count where valid[i] { advantages[i] = (advantages[i] - Float(mean)) * scale }
    }
}
