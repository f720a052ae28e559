import LearnerLoop
import Model
import Runtime
import XCTest

final class StatusTests: XCTestCase {
    private func reading() -> ProgressSampler.Reading {
        var report = TrainingStepReport()
        report.policyLoss = -0.0123
        report.baselineLoss = 1.5
        report.entropy = 0.69
        report.policyLag = 1.25
        return ProgressSampler.Reading(
            elapsed: 12.34, envSteps: 1200, scalars: [],
            stats: .init(stepsPerSecond: 300.4, episodes: 12, meanReturn: 21.46, version: 3, batch: 4, streams: 8,
                         report: report, framesTrained: 2000, cpuMicrosecondsPerStep: 3.25))
    }

    func testServerStatusLine() {
        XCTAssertEqual(StatusLine.server(reading(), training: false),
                       "steps 1200  300 steps/s  cpu 3.3 µs/step  streams 8  batch 4.0  episodes 12  return 21.5  version 3")
        XCTAssertEqual(StatusLine.server(reading(), training: true),
                       "steps 1200  300 steps/s  cpu 3.3 µs/step  streams 8  batch 4.0  episodes 12  return 21.5  version 3  trained 2000  lag 1.3")
    }

    func testTrainStatusLine() {
        XCTAssertEqual(StatusLine.train(reading()),
                       "12.3s  steps 1200  300/s  cpu 3.3 µs/step  episodes 12  return 21.5  losses pg -0.012 v 1.50 H 0.690  version 3  batch 4.0  lag 1.3")
    }

    /// Values from clients can be anything finite (a reward of 1e21): formatting never traps.
    func testFormattingNeverTraps() {
        XCTAssertEqual(format(1.25, decimals: 1), "1.3")
        XCTAssertEqual(format(-0.04, decimals: 1), "0.0", "no sign on a value that rounds to zero")
        XCTAssertEqual(format(0, decimals: 0), "0")
        XCTAssertEqual(format(1e21), "1e+21")
        XCTAssertEqual(format(-.infinity), "-inf")
        XCTAssertEqual(format(.nan), "nan")
    }

    func testTheStopRuleNeedsAHundredEpisodes() {
        let rule = StopRule(targetReturn: 475, maxEnvSteps: 1000)
        XCTAssertNil(rule.verdict(episodes: 99, meanReturn: 500, envSteps: 10))
        XCTAssertEqual(rule.verdict(episodes: 100, meanReturn: 475, envSteps: 10), .targetReached)
        XCTAssertEqual(rule.verdict(episodes: 100, meanReturn: 400, envSteps: 1000), .budgetSpent(1000))
        XCTAssertNil(StopRule().verdict(episodes: 1000, meanReturn: 1e9, envSteps: .max))
    }

    func testJobCountersAverageTheRanksThatHaveReturns() {
        var job = JobCounters(stepsServed: 10, episodes: 2, meanReturn: 100, streams: 4, envSteps: 8)
        let idle = JobCounters(stepsServed: 5, episodes: 0, meanReturn: 0, streams: 2, envSteps: 4)
        let other = JobCounters(stepsServed: 7, episodes: 1, meanReturn: 50, streams: 1, envSteps: 6)
        // What the all-reduce does: an element-wise sum.
        for rank in [idle, other] {
            job.stepsServed += rank.stepsServed; job.episodes += rank.episodes; job.meanReturnSum += rank.meanReturnSum
            job.ranksWithEpisodes += rank.ranksWithEpisodes; job.streams += rank.streams; job.envSteps += rank.envSteps
        }
        XCTAssertEqual(job.meanReturn, 75, "the rank with no episode does not pull the mean to 0")
        XCTAssertEqual(job.stepsServed, 22)
        XCTAssertEqual(JobCounters().meanReturn, 0)
    }
}
