import Runtime
import XCTest

/// A service that records its lifecycle into a shared log.
private final class Recorder: Service {
    let name: String
    private let log: Log
    private let failsToStart: Bool
    private let failsToStop: Bool

    final class Log { var events: [String] = [] }

    init(_ name: String, log: Log, failsToStart: Bool = false, failsToStop: Bool = false) {
        self.name = name
        self.log = log
        self.failsToStart = failsToStart
        self.failsToStop = failsToStop
    }

    struct Failure: Error {}

    func start() throws {
        if failsToStart { throw Failure() }
        log.events.append("start \(name)")
    }

    func shutdown() throws {
        log.events.append("stop \(name)")
        if failsToStop { throw Failure() }
    }
}

final class ServiceGroupTests: XCTestCase {
    func testStartsInOrderAndStopsInReverse() throws {
        let log = Recorder.Log()
        let group = ServiceGroup(["training", "serving", "progress", "actors"].map { Recorder($0, log: log) })
        try group.start()
        XCTAssertTrue(group.shutdown().isEmpty)
        XCTAssertEqual(log.events, ["start training", "start serving", "start progress", "start actors",
                                    "stop actors", "stop progress", "stop serving", "stop training"])
        XCTAssertEqual(group.stopped, ["actors", "progress", "serving", "training"])
        XCTAssertTrue(group.shutdown().isEmpty, "each service stops once")
        XCTAssertEqual(log.events.count, 8)
    }

    func testAFailedStartStopsWhatHadStartedAndRethrows() {
        let log = Recorder.Log()
        let group = ServiceGroup([Recorder("a", log: log), Recorder("b", log: log), Recorder("c", log: log, failsToStart: true),
                                  Recorder("d", log: log)])
        XCTAssertThrowsError(try group.start())
        XCTAssertEqual(log.events, ["start a", "start b", "stop b", "stop a"])
    }

    func testEveryServiceStopsEvenAfterOneFails() throws {
        let log = Recorder.Log()
        let group = ServiceGroup([Recorder("a", log: log), Recorder("b", log: log, failsToStop: true), Recorder("c", log: log)])
        try group.start()
        let failures = group.shutdown()
        XCTAssertEqual(failures.map(\.service), ["b"])
        XCTAssertEqual(log.events.suffix(3), ["stop c", "stop b", "stop a"])
    }
}
