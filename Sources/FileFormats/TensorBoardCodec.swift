internal import CSeedProto

/// TensorBoard's Event messages (the scalar subset in Protos/tensorboard/event.proto),
/// encoded with protobuf-c. The record framing and files are the Metrics module's.
public enum TensorBoardCodec {
    /// The first event of every file: `file_version = "brain.Event:2"`.
    public static func fileVersionEvent(wallTime: Double) -> [UInt8] {
        var event = Tensorboard__Event()
        tensorboard__event__init(&event)
        event.wall_time = wallTime
        return "brain.Event:2".withCString { version in
            event.what_case = TENSORBOARD__EVENT__WHAT_FILE_VERSION
            event.file_version = UnsafeMutablePointer(mutating: version)
            return pack(&event)
        }
    }

    /// One event holding scalar summaries `(tag, value)` at `step`.
    public static func scalarsEvent(wallTime: Double, step: Int64, scalars: [(String, Float)]) -> [UInt8] {
        var values = scalars.map { _ in Tensorboard__Summary__Value() }
        let tags = scalars.map { strdup($0.0)! }
        defer { tags.forEach { free($0) } }
        for index in values.indices {
            tensorboard__summary__value__init(&values[index])
            values[index].tag = tags[index]
            values[index].value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_SIMPLE_VALUE
            values[index].simple_value = scalars[index].1
        }
        return values.withUnsafeMutableBufferPointer { values in
            var pointers = (0..<values.count).map { Optional(values.baseAddress! + $0) }
            return pointers.withUnsafeMutableBufferPointer { pointers in
                var summary = Tensorboard__Summary()
                tensorboard__summary__init(&summary)
                summary.n_value = values.count
                summary.value = pointers.baseAddress
                return withUnsafeMutablePointer(to: &summary) { summary in
                    var event = Tensorboard__Event()
                    tensorboard__event__init(&event)
                    event.wall_time = wallTime
                    event.step = step
                    event.what_case = TENSORBOARD__EVENT__WHAT_SUMMARY
                    event.summary = summary
                    return pack(&event)
                }
            }
        }
    }

    private static func pack(_ event: inout Tensorboard__Event) -> [UInt8] {
        let size = tensorboard__event__get_packed_size(&event)
        var bytes = [UInt8](repeating: 0, count: size)
        let written = bytes.withUnsafeMutableBufferPointer { tensorboard__event__pack(&event, $0.baseAddress) }
        precondition(written == size)
        return bytes
    }
}

#if canImport(Glibc)
import Glibc
#endif
