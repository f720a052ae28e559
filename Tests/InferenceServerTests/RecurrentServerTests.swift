import Contract
import InferenceServer
import LearnerLoop
import Model
import Replay
import Wire
import XCTest

/// An LSTM policy served over real gRPC: each stream's state lives on the server, is
/// advanced only by that stream's Steps (interleaved streams do not mix), starts from
/// zero at a stream's start and at every FIRST, and every unroll carries the state it
/// started from. Checked against the model run offline on each stream's own sequence.
final class RecurrentServerTests: XCTestCase {
    private let architecture = ServerFixture.architecture(lstmSize: 3)
    private lazy var parameters = ParameterInitializer.initialValues(for: architecture, seed: 7)

    /// The head rows (logits then value) of one stream's observations run as one sequence,
    /// with `resets`, and the state after each step (h then c).
    private func offline(_ observations: [[Float]], resets: [Bool]) -> (heads: [[Float]], states: [[Float]]) {
        let length = observations.count
        let forward = ForwardWorkspace(architecture: architecture, maxBatch: length)
        var heads: [[Float]] = [], states: [[Float]] = []
        // Prefixes of the sequence give the state after each step.
        for end in 1...length {
            ModelForward.run(parameters: parameters, input: Array(observations[..<end].joined()), sequences: 1, length: end,
                           initialState: nil, resets: Array(resets[..<end]), workspace: forward)
            var state = [Float](repeating: 0, count: architecture.stateSize)
            forward.finalState(sequence: 0, into: &state)
            states.append(state)
            if end == length { heads = (0..<length).map { Array(UnsafeBufferPointer(start: forward.headRow($0), count: architecture.headSize)) } }
        }
        return (heads, states)
    }

    /// Whether the unroll's behaviour log-probability at t is that of its action under `head` (the offline logits).
    private func assertBehaviour(_ unroll: Unroll, _ t: Int, head: [Float], _ message: String, line: UInt = #line) {
        let expected = LogSoftmax(logits: head, count: 2).log(Int(unroll.actions[t]))
        XCTAssertEqual(unroll.behaviourLogProbabilities[t], expected, accuracy: 1e-5, message, line: line)
    }

    private func observation(_ unroll: Unroll, _ t: Int) -> [Float] {
        unroll.observations.withUnsafeBytes { raw in (0..<4).map { raw.load(fromByteOffset: (t * 4 + $0) * 4, as: Float.self) } }
    }

    func testEachStreamCarriesItsOwnStateResetAtFirst() throws {
        let queue = UnrollQueue(capacity: 16, policy: .block)
        let a: [[Float]] = (0..<7).map { i in [Float(i) * 0.3, 0.5, -0.2, Float(i % 2)] }
        let b: [[Float]] = (0..<3).map { i in [-0.7, Float(i) * 0.2, 0.9, 0.1] }
        try ServerFixture.withServer(configure: { $0.recording = .init(unrollLength: 2, queue: queue, returnDiscount: 1) }, lstmSize: 3) { fixture in
            let streamA = try fixture.client(), streamB = try fixture.client()
            // Interleaved: A and B alternate, so a server mixing states would show it.
            for i in 0..<3 {
                streamA.roundTrip(i == 0 ? .first : .mid, observation: a[i])
                streamB.roundTrip(i == 0 ? .first : .mid, observation: b[i])
            }
            streamA.roundTrip(.mid, observation: a[3])
            streamA.roundTrip(.mid, observation: a[4])
            streamA.roundTrip(.last, observation: a[5], reward: 1, discount: 0)
            streamA.roundTrip(.first, observation: a[6])
            XCTAssertTrue(eventually { queue.depth == 4 }, "A: 3 unrolls of 3 timesteps (carry-over), B: 1")
            let unrolls = queue.pop(4)!
            let fromA = unrolls.filter { observation($0, 0) != b[0] }, fromB = unrolls.filter { observation($0, 0) == b[0] }
            XCTAssertEqual(fromA.count, 3)
            XCTAssertEqual(fromB.count, 1)

            // A: one episode of 6 steps, then a new one (FIRST) that must start from zero.
            let episodeA = offline(Array(a[0..<6]), resets: [true, false, false, false, false, false])
            let fresh = offline([a[6]], resets: [true])
            let expected = episodeA.heads + fresh.heads
            for (k, unroll) in fromA.enumerated() {
                for t in 0..<3 {
                    let step = 2 * k + t
                    XCTAssertEqual(observation(unroll, t), a[step])
                    assertBehaviour(unroll, t, head: expected[step], "A step \(step)")
                }
                // The state the unroll starts from: zero for the first, else the state after step 2k − 1.
                let start = k == 0 ? [Float](repeating: 0, count: 6) : episodeA.states[2 * k - 1]
                for j in 0..<6 { XCTAssertEqual(unroll.initialState[j], start[j], accuracy: 1e-5, "A unroll \(k) state \(j)") }
            }
            let episodeB = offline(b, resets: [true, false, false])
            for t in 0..<3 {
                assertBehaviour(fromB[0], t, head: episodeB.heads[t], "B step \(t)")
            }
            XCTAssertEqual(fromB[0].initialState, [Float](repeating: 0, count: 6))
        }
    }
}
