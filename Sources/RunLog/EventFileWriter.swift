import Files
#if canImport(Glibc)
import Glibc
#endif
import FileFormats

/// A TensorBoard event file (`events.out.tfevents.<time>.<host>`): TFRecord framing —
/// length (u64), masked CRC-32C of the length, the Event, masked CRC-32C of the Event —
/// around Event messages. Each record is written whole with one write(2), so a reader
/// sees complete records. Used by one thread.
public final class EventFileWriter {
    public let path: String
    private let fd: Int32

    public init(directory: String, wallTime: Double) throws(MetricsError) {
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, host.count - 1)
        let hostname = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        path = "\(directory)/events.out.tfevents.\(Int(wallTime)).\(hostname).seedrl"
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw MetricsError("cannot create \(path): \(String(cString: strerror(errno)))") }
        append(TensorBoardCodec.fileVersionEvent(wallTime: wallTime))
    }

    deinit { close(fd) }

    /// Scalars at `step` (TensorBoard's x axis), tags grouped by their prefix ("losses/…").
    public func write(step: Int64, wallTime: Double, scalars: [(String, Double)]) {
        append(TensorBoardCodec.scalarsEvent(wallTime: wallTime, step: step, scalars: scalars.map { ($0.0, Float($0.1)) }))
    }

    func append(_ event: [UInt8]) {
        var record: [UInt8] = []
        record.reserveCapacity(event.count + 16)
        let length = withUnsafeBytes(of: UInt64(event.count).littleEndian) { Array($0) }
        record += length
        record += withUnsafeBytes(of: CRC32.castagnoli.masked(length).littleEndian) { Array($0) }
        record += event
        record += withUnsafeBytes(of: CRC32.castagnoli.masked(event).littleEndian) { Array($0) }
        _ = record.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    }
}

public struct MetricsError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
