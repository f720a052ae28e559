/// PPO's advantage normalisation: the valid entries of a batch's advantages shifted to
/// mean 0 and scaled to standard deviation 1 (population, plus a small ε so a batch of
/// equal advantages becomes zeros rather than NaN). Invalid entries stay 0.
enum AdvantageNormalization {
    static let epsilon: Float = 1e-8

    static func apply(_ advantages: inout [Float], valid: [Bool]) {
        precondition(advantages.count == valid.count)
        var count = 0
        var sum = 0.0
        for i in advantages.indices where valid[i] {
            count += 1
            sum += Double(advantages[i])
        }
        guard count > 0 else { return }
        let mean = sum / Double(count)
        var squares = 0.0
        for i in advantages.indices where valid[i] {
            let d = Double(advantages[i]) - mean
            squares += d * d
        }
        let scale = Float(1 / ((squares / Double(count)).squareRoot() + Double(epsilon)))
        for i in advantages.indices where valid[i] { advantages[i] = (advantages[i] - Float(mean)) * scale }
    }
}
