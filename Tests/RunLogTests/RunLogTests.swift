import Files
#if canImport(Glibc)
import Glibc
#endif
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import RunLog
import XCTest

final class RunLogTests: XCTestCase {

    func testEventFileRecordsAreFramedAsTFRecords() throws {
        let dir = "/tmp/seedrl-metrics-\(getpid())"
        mkdir(dir, 0o755)
        defer { _ = system("rm -rf \(dir)") }
        let log = try MetricsLog(directory: dir, wallTime: 1_700_000_000)
        log.record(step: 1000, wallTime: 1_700_000_001, scalars: [("episode/return", 21.5), ("losses/policy", -0.25)])
        let bytes = try Data(contentsOf: URL(fileURLWithPath: log.eventFile))
        var offset = 0
        var records = 0
        while offset < bytes.count {
            let header = Array(bytes[offset..<(offset + 8)])
            let length = header.enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            let lengthCRC = bytes[(offset + 8)..<(offset + 12)].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
            XCTAssertEqual(lengthCRC, CRC32.castagnoli.masked(header))
            let data = Array(bytes[(offset + 12)..<(offset + 12 + length)])
            let dataCRC = bytes[(offset + 12 + length)..<(offset + 16 + length)].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
            XCTAssertEqual(dataCRC, CRC32.castagnoli.masked(data))
            offset += 16 + length
            records += 1
        }
        XCTAssertEqual(records, 2, "file_version, then one summary event")
        let jsonl = try String(contentsOfFile: "\(dir)/metrics.jsonl", encoding: .utf8)
        XCTAssertTrue(jsonl.hasSuffix("}\n") && jsonl.filter { $0 == "\n" }.count == 1, "one record, one line")
        let record = try JSONSerialization.jsonObject(with: Data(jsonl.utf8)) as? [String: Double]
        XCTAssertEqual(record, ["time": 1700000001, "env_steps": 1000, "episode/return": 21.5, "losses/policy": -0.25])
    }

    /// A log directory where metrics.jsonl is a symlink (planted to make the run write
    /// elsewhere) is refused rather than followed.
    func testALogFileThatIsASymlinkIsNotFollowed() throws {
        let dir = "/tmp/seedrl-runlog-link-\(getpid())"
        defer { _ = system("rm -rf \(dir)") }
        try AtomicFile.makeDirectories(dir)
        XCTAssertEqual(symlink("\(dir)/elsewhere", "\(dir)/metrics.jsonl"), 0)
        XCTAssertThrowsError(try MetricsLog.create(in: dir))
        XCTAssertNotEqual(access("\(dir)/elsewhere", F_OK), 0, "nothing was written through the link")
    }

    func testChartsAreWellFormedSVG() throws {
        let chart = SVGChart(title: "Learning <curve> & co", xLabel: "steps", yLabel: "return", series: [
            .init(name: "a", points: [(0, 1), (10, 5), (20, .nan), (30, 9)], color: "#000"),
            .init(name: "b", points: [], color: "#f00"),
        ])
        var log = chart
        log.logX = true
        let document = SVGChart.document([chart, log])
        let parser = XMLParser(data: Data(document.utf8))
        final class Counter: NSObject, XMLParserDelegate {
            var polylines = 0
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                        attributes: [String: String] = [:]) {
                if name == "polyline" { polylines += 1 }
            }
        }
        let counter = Counter()
        parser.delegate = counter
        XCTAssertTrue(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        XCTAssertEqual(counter.polylines, 4)
        XCTAssertTrue(document.contains("Learning &lt;curve&gt; &amp; co"))
        XCTAssertEqual(SVGChart.ticks(0, 100), [0, 20, 40, 60, 80, 100])
        XCTAssertEqual(SVGChart.label(2_500_000), "2.5M")
    }
}
