/// Decodes Step messages exactly as the server does (protobuf-c into a bounded arena),
/// for tools and fuzzing. Not thread-safe: one decoder per thread.
public final class StepDecoder {
    private let arena: MessageArena

    /// Decodes messages of up to `maxMessageBytes` (larger ones fail).
    public init(maxMessageBytes: Int) {
        arena = MessageArena(capacity: maxMessageBytes + 1024)
    }

    /// The decoded Step, valid until the next call; nil when the bytes are not a Step
    /// that fits.
    public func decode(_ bytes: UnsafeRawBufferPointer) -> StepView? {
        Codec.decodeStep(bytes, arena: arena)
    }

    /// Encodes a Step (for building fuzz seeds).
    public static func encode(stepType: Int32, reward: Float, discount: Float, observation: [UInt8]) -> [UInt8] {
        let buffer = observation.withUnsafeBytes {
            Codec.encodeStep(stepType: stepType, reward: reward, discount: discount, observation: $0)
        }
        defer { Codec.destroy(buffer) }
        return Codec.withContiguousBytes(buffer, scratch: nil) { Array($0) } ?? []
    }
}
