/// Table-driven CRC-32 in its reflected form, for the two polynomials seedrl's files use:
/// IEEE (zlib's; checkpoints) and Castagnoli (CRC-32C; TensorBoard's TFRecord framing).
public struct CRC32: Sendable {
    /// CRC-32 (IEEE 802.3, as zlib and PNG): checkpoints.
    public static let ieee = CRC32(reflectedPolynomial: 0xEDB8_8320)
    /// CRC-32C (Castagnoli): TFRecord framing.
    public static let castagnoli = CRC32(reflectedPolynomial: 0x82F6_3B78)

    private let table: [UInt32]

    public init(reflectedPolynomial: UInt32) {
        table = (0..<256).map { index in
            var value = UInt32(index)
            for _ in 0..<8 { value = value & 1 != 0 ? reflectedPolynomial ^ (value >> 1) : value >> 1 }
            return value
        }
    }

    public func checksum(_ bytes: some Collection<UInt8>) -> UInt32 {
        // Contiguous storage and a borrowed table keep this a tight loop even in debug
        // builds, where checkpoints of millions of parameters are verified on every load.
        if let crc = bytes.withContiguousStorageIfAvailable({ checksum(buffer: $0) }) { return crc }
        return Array(bytes).withUnsafeBufferPointer { checksum(buffer: $0) }
    }

    private func checksum(buffer: UnsafeBufferPointer<UInt8>) -> UInt32 {
        table.withUnsafeBufferPointer { table in
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in buffer { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
            return crc ^ 0xFFFF_FFFF
        }
    }

    /// TensorFlow stores CRC-32Cs rotated and offset, so data that holds CRCs is not confused.
    public func masked(_ bytes: some Collection<UInt8>) -> UInt32 {
        let crc = checksum(bytes)
        return ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }
}
