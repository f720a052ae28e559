#if canImport(Glibc)
import Glibc
#endif
import LearnerLoop
import Model
import Randomness
import XCTest

/// V-trace against the definition computed term by term (as SEED's vtrace_test does
/// with `_ground_truth_calculation`), on random data with episode cuts.
final class VTraceTests: XCTestCase {
    private func groundTruth(
        logRhos: [Float], discounts: [Float], rewards: [Float], values: [Float], bootstrap: Float,
        valid: [Bool], p: VTrace.Parameters
    ) -> (vs: [Double], advantages: [Double]) {
        let n = values.count
        let rhos = logRhos.map { Double(expf($0)) }
        let clipped = rhos.map { min(Double(p.clipRho), $0) }
        let cs = rhos.map { Double(p.lambda) * min(Double(p.clipC), $0) }
        let next = (0..<n).map { $0 + 1 < n ? Double(values[$0 + 1]) : Double(bootstrap) }
        func delta(_ t: Int) -> Double {
            valid[t] ? clipped[t] * (Double(rewards[t]) + Double(discounts[t]) * next[t] - Double(values[t])) : 0
        }
        var vs: [Double] = []
        for s in 0..<n {
            var v = Double(values[s])
            var factor = 1.0  // Π_{i=s}^{t-1} γ_i c_i, cut at invalid transitions
            for t in s..<n {
                if !valid[t] { break }
                v += factor * delta(t)
                factor *= Double(discounts[t]) * cs[t]
            }
            vs.append(v)
        }
        let advantages = (0..<n).map { s -> Double in
            guard valid[s] else { return 0 }
            let vNext = s + 1 < n ? vs[s + 1] : Double(bootstrap)
            return min(Double(p.clipPGRho), rhos[s]) * (Double(rewards[s]) + Double(discounts[s]) * vNext - Double(values[s]))
        }
        return (vs, advantages)
    }

    func testMatchesTheDefinitionOnRandomData() {
        var generator = SeededGenerator(seed: 2024)
        for trial in 0..<50 {
            let n = 1 + trial % 25
            var p = VTrace.Parameters()
            p.clipRho = [1, 0.5, 2][trial % 3]
            p.clipC = [1, 0.9][trial % 2]
            p.clipPGRho = [1, 1.5][trial % 2]
            p.lambda = [1, 0.95, 0.5][trial % 3]
            let valid = (0..<n).map { _ in generator.nextUnitFloat() > 0.15 }
            let logRhos = (0..<n).map { _ in generator.nextGaussian() * 0.7 }
            let discounts = valid.map { $0 ? (generator.nextUnitFloat() < 0.1 ? 0 : 0.99) : Float(0) }
            let rewards = (0..<n).map { _ in generator.nextGaussian() }
            let values = (0..<n).map { _ in generator.nextGaussian() * 3 }
            let bootstrap = generator.nextGaussian()
            var vs = [Float](repeating: 0, count: n), advantages = vs
            VTrace.compute(logRhos: logRhos, discounts: discounts, rewards: rewards, values: values,
                           bootstrap: bootstrap, valid: valid, count: n, parameters: p, vs: &vs, advantages: &advantages)
            let truth = groundTruth(logRhos: logRhos, discounts: discounts, rewards: rewards, values: values,
                                    bootstrap: bootstrap, valid: valid, p: p)
            for s in 0..<n {
                XCTAssertEqual(Double(vs[s]), truth.vs[s], accuracy: 1e-4 * max(1, abs(truth.vs[s])), "trial \(trial) vs[\(s)]")
                XCTAssertEqual(Double(advantages[s]), truth.advantages[s], accuracy: 1e-4 * max(1, abs(truth.advantages[s])),
                               "trial \(trial) advantage[\(s)]")
            }
        }
    }

    func testOnPolicyWithoutCutsIsTheDiscountedReturn() {
        // ρ = 1 everywhere: v_s is the n-step bootstrapped return.
        let n = 4
        let rewards: [Float] = [1, 2, 3, 4], discounts = [Float](repeating: 0.5, count: n)
        let values: [Float] = [0, 0, 0, 0]
        var vs = [Float](repeating: 0, count: n), advantages = vs
        VTrace.compute(logRhos: [0, 0, 0, 0], discounts: discounts, rewards: rewards, values: values, bootstrap: 8,
                       valid: [true, true, true, true], count: n, parameters: VTrace.Parameters(), vs: &vs, advantages: &advantages)
        let last: Float = 4 + 0.5 * 8
        let third: Float = 3 + 0.5 * last
        let second: Float = 2 + 0.5 * third
        XCTAssertEqual(vs[3], last, accuracy: 1e-6)
        XCTAssertEqual(vs[0], 1 + 0.5 * second, accuracy: 1e-6)
    }
}
