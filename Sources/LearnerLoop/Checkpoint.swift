/// Everything needed to continue training or to evaluate: the architecture, the
/// parameters and their version, the optimizer's state, the counters, the learner's random
/// generator, and the configuration it was trained with (as text, for people).
///
/// File format (little-endian): "SEEDRLCK", format version (u32), then the fields in the
/// order below, then a CRC-32 of everything before it. Readers refuse other versions.
public struct Checkpoint: Sendable, Equatable {
    public static let magic = Array("SEEDRLCK".utf8)
    /// 2 adds the LSTM core's size after the hidden sizes; 1 (no core) is still read.
    public static let formatVersion: UInt32 = 2

    public var envName: String
    public var observationShape: [Int]
    public var observationIsUInt8: Bool
    public var hiddenSizes: [Int]
    /// The LSTM core's width; nil for a feed-forward model.
    public var lstmSize: Int?
    public var numActions: Int
    public var version: UInt64
    public var framesTrained: UInt64
    public var parameters: [Float]
    public var optimizerFirst: [Float]
    public var optimizerSecond: [Float]
    public var optimizerSteps: UInt64
    /// Environment steps served and episodes completed when it was taken.
    public var envSteps: UInt64 = 0
    public var episodes: UInt64 = 0
    /// The learner thread's generator (replay sampling); empty when none.
    public var generatorState: [UInt64] = []
    /// The flags it was trained with, one "name=value" per line.
    public var configuration: String = ""

    public init(envName: String, architecture: ModelArchitecture, version: UInt64, framesTrained: UInt64,
                parameters: [Float], optimizer: Optimizer) {
        self.envName = envName
        observationShape = architecture.observation.shape
        observationIsUInt8 = architecture.observation.elementType == .uint8
        hiddenSizes = architecture.hiddenSizes
        lstmSize = architecture.lstmSize
        numActions = architecture.numActions
        self.version = version
        self.framesTrained = framesTrained
        self.parameters = parameters
        let state = optimizer.state
        optimizerFirst = state.first
        optimizerSecond = state.second
        optimizerSteps = state.steps
    }

    public var architecture: ModelArchitecture {
        ModelArchitecture(
            observation: ObservationFormat(shape: observationShape, elementType: observationIsUInt8 ? .uint8 : .float32),
            hiddenSizes: hiddenSizes, numActions: numActions, lstmSize: lstmSize)
    }

    // MARK: Encoding

    public func encoded() -> [UInt8] {
        var out = Self.magic
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        func ints(_ values: [Int]) { u32(UInt32(values.count)); values.forEach { u64(UInt64($0)) } }
        func floats(_ values: [Float]) { u64(UInt64(values.count)); values.forEach { u32($0.bitPattern) } }
        u32(Self.formatVersion)
        let name = Array(envName.utf8)
        u32(UInt32(name.count)); out += name
        ints(observationShape)
        u32(observationIsUInt8 ? 1 : 0)
        ints(hiddenSizes)
        u64(UInt64(lstmSize ?? 0))
        u64(UInt64(numActions))
        u64(version); u64(framesTrained)
        floats(parameters); floats(optimizerFirst); floats(optimizerSecond)
        u64(optimizerSteps)
        u64(envSteps); u64(episodes)
        u32(UInt32(generatorState.count)); generatorState.forEach { u64($0) }
        let text = Array(configuration.utf8)
        u32(UInt32(text.count)); out += text
        u32(CRC32.checksum(out))
        return out
    }

    public struct DecodingError: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    public init(decoding bytes: [UInt8]) throws(DecodingError) {
        guard bytes.count >= Self.magic.count + 8, Array(bytes.prefix(Self.magic.count)) == Self.magic else {
            throw DecodingError(description: "not a seedrl checkpoint (bad magic)")
        }
        let stored = bytes.suffix(4).enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
        guard CRC32.checksum(bytes.dropLast(4)) == stored else {
            throw DecodingError(description: "checksum mismatch (truncated or corrupted)")
        }
        var reader = ByteReader(bytes: bytes, offset: Self.magic.count, end: bytes.count - 4)
        let format = try reader.u32()
        guard format == 1 || format == Self.formatVersion else {
            throw DecodingError(description: "format version \(format) is not supported (this build reads 1 and \(Self.formatVersion))")
        }
        envName = String(decoding: try reader.bytes(Int(try reader.u32())), as: UTF8.self)
        observationShape = try reader.ints()
        observationIsUInt8 = try reader.u32() != 0
        hiddenSizes = try reader.ints()
        let core = format >= 2 ? Int(try reader.u64()) : 0
        guard core >= 0 && core <= 1 << 16 else { throw DecodingError(description: "implausible LSTM size \(core)") }
        lstmSize = core > 0 ? core : nil
        numActions = Int(try reader.u64())
        version = try reader.u64()
        framesTrained = try reader.u64()
        parameters = try reader.floats()
        optimizerFirst = try reader.floats()
        optimizerSecond = try reader.floats()
        optimizerSteps = try reader.u64()
        envSteps = try reader.u64()
        episodes = try reader.u64()
        let words = Int(try reader.u32())
        guard words <= 16 else { throw DecodingError(description: "implausible generator state") }
        generatorState = try (0..<words).map { _ throws(DecodingError) in try reader.u64() }
        configuration = String(decoding: try reader.bytes(Int(try reader.u32())), as: UTF8.self)
        guard reader.offset == reader.end else { throw DecodingError(description: "trailing bytes") }
        guard parameters.count == architecture.layout.count,
              optimizerFirst.count == parameters.count, optimizerSecond.count == parameters.count
        else {
            throw DecodingError(description: "parameter count does not match the architecture")
        }
    }

    public func write(to path: String) throws(AtomicFile.Failure) {
        try AtomicFile.write(encoded(), to: path)
    }

    public static func read(from path: String) throws -> Checkpoint {
        do {
            return try Checkpoint(decoding: try AtomicFile.read(path))
        } catch let error as DecodingError {
            throw DecodingError(description: "\(path): \(error.description)")
        }
    }
}

private struct ByteReader {
    let bytes: [UInt8]
    var offset: Int
    let end: Int

    mutating func bytes(_ count: Int) throws(Checkpoint.DecodingError) -> ArraySlice<UInt8> {
        guard count >= 0, offset + count <= end else { throw Checkpoint.DecodingError(description: "truncated") }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    mutating func u32() throws(Checkpoint.DecodingError) -> UInt32 {
        try bytes(4).enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
    }

    mutating func u64() throws(Checkpoint.DecodingError) -> UInt64 {
        try bytes(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    }

    mutating func ints() throws(Checkpoint.DecodingError) -> [Int] {
        let count = Int(try u32())
        guard count <= 64 else { throw Checkpoint.DecodingError(description: "implausible list length \(count)") }
        return try (0..<count).map { _ throws(Checkpoint.DecodingError) in Int(try u64()) }
    }

    mutating func floats() throws(Checkpoint.DecodingError) -> [Float] {
        let count = Int(try u64())
        guard count <= (end - offset) / 4 else { throw Checkpoint.DecodingError(description: "truncated") }
        return try (0..<count).map { _ throws(Checkpoint.DecodingError) in Float(bitPattern: try u32()) }
    }
}
