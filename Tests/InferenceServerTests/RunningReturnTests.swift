import Contract
import InferenceServer
import Replay
import XCTest

/// Reward normalisation reads each lane's running discounted return from the unrolls the
/// server records (γ the recording's): carried across unrolls, restarted at FIRST, and
/// each lane's own, whichever streams interleave.
final class RunningReturnTests: XCTestCase {
    func testRecordedUnrollsCarryEachLanesRunningReturn() throws {
        let queue = UnrollQueue(capacity: 16, policy: .block)
        let discount: Float = 0.5
        try ServerFixture.withServer(configure: { $0.recording = .init(unrollLength: 2, queue: queue, returnDiscount: discount) }) { fixture in
            let a = try fixture.client(), b = try fixture.client()
            let typesA: [StepType] = [.first, .mid, .mid, .last, .first]
            let rewardsA: [Float] = [0, 2, 4, 8, 0]
            for (index, type) in typesA.enumerated() {
                a.roundTrip(type, reward: rewardsA[index], discount: type == .last ? 0 : 1)
                if index < 3 { b.roundTrip(index == 0 ? .first : .mid, reward: index == 0 ? 0 : 100) }
            }
            XCTAssertTrue(eventually { queue.depth == 3 }, "A: 2 unrolls of 3 timesteps (carry-over), B: 1")
            let unrolls = queue.pop(3)!
            let fromA = unrolls.filter { $0.rewards.max()! < 100 }, fromB = unrolls.filter { $0.rewards.max()! == 100 }
            XCTAssertEqual(fromA.count, 2)
            XCTAssertEqual(fromB.count, 1)
            // A: 0, 2, 0.5·2 + 4 = 5, 0.5·5 + 8 = 10.5, then 0 again at FIRST.
            XCTAssertEqual(fromA.map(\.initialReturn), [0, 5])
            var continued: [Float] = []
            for unroll in fromA { unroll.forEachRunningReturn(discount: discount) { continued.append($0) } }
            XCTAssertEqual(continued, [2, 5, 10.5], "the FIRST after LAST restarts it and adds no sample")
            var returnsB: [Float] = []
            fromB[0].forEachRunningReturn(discount: discount) { returnsB.append($0) }
            XCTAssertEqual(fromB[0].initialReturn, 0)
            XCTAssertEqual(returnsB, [100, 150], "B's rewards never mix into A's return")
        }
    }
}
