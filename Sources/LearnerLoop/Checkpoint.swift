import Files
import Contract
import Model
/// Everything needed to continue training or to evaluate: the architecture, the
/// parameters and their version, the optimizer's state, the counters, the learner's random
/// generator, and the configuration it was trained with (as text, for people).
///
/// File format (little-endian): "SEEDRLCK", format version (u32), then the fields in the
/// order below, then a CRC-32 of everything before it. Readers refuse other versions.
public struct Checkpoint: Sendable, Equatable {
    public static let magic = Array("SEEDRLCK".utf8)
    /// 4 names the torso, the core, the policy head and the algorithm by string (a file
    /// must not change meaning when an enum gains or reorders a case); the action space
    /// follows as the head's name says: "categorical" the action count (u64), "gaussian" the
    /// dimensions (u64) then the low and high bounds (floats), "multi-discrete" the
    /// dimensions (u64) then each one's count (ints). A reader that does not know a head
    /// refuses the file by its name before reading what follows. 3 stored the torso by its
    /// enum index after the core's size; 2 added the LSTM core's size after the hidden
    /// sizes. 1 to 4 are still read (categorical, raw inputs). 5 adds a fifth name after
    /// the algorithm, the input: "raw", or "normalized" (running statistics kept in the
    /// parameters, after the head's own). 6 adds, after the configuration, the return
    /// statistics of reward normalisation: a u32 count (0, or 3: count, mean and M2 as
    /// doubles).
    public static let formatVersion: UInt32 = 6
    /// The names format 4 may carry that this build can use.
    public static let knownHeads = PolicyHeads.names
    public static let knownAlgorithms = AlgorithmKind.allCases.map(\.rawValue)

    public var envName: String
    public var observationShape: [Int]
    public var observationIsUInt8: Bool
    public var hiddenSizes: [Int]
    /// The LSTM core's width; nil for a feed-forward model.
    public var lstmSize: Int?
    public var torso: TorsoKind = .mlp
    /// How actions are drawn from the model's output (`PolicyHead.name`).
    public var head = "categorical"
    /// What trained it ("vtrace").
    public var algorithm = "vtrace"
    /// Whether the model normalises its inputs (format 5's input name).
    public var normalizesInputs = false
    public var action: ActionSpec
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
    /// Reward normalisation's running return statistics (`Learner.savedReturnStatistics`);
    /// empty when rewards are not normalised.
    public var returnStatistics: [Double] = []

    public init(envName: String, architecture: ModelArchitecture, version: UInt64, framesTrained: UInt64,
                parameters: [Float], optimizer: Optimizer) {
        self.envName = envName
        observationShape = architecture.observation.shape
        observationIsUInt8 = architecture.observation.dtype == .uint8
        hiddenSizes = architecture.hiddenSizes
        lstmSize = architecture.lstmSize
        torso = architecture.torso
        action = architecture.action
        head = architecture.head.name
        normalizesInputs = architecture.normalizesInputs
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
            observation: ObservationFormat(shape: observationShape, dtype: observationIsUInt8 ? .uint8 : .float32),
            torso: torso, hiddenSizes: hiddenSizes, action: action, lstmSize: lstmSize, normalizesInputs: normalizesInputs)
    }

    // MARK: Encoding

    public func encoded() -> [UInt8] { encoded(format: Self.formatVersion) }

    /// Format 3's torso index is the order of TorsoKind's cases when it was written, frozen
    /// here: the enum may change, those files may not.
    static let format3Torsos: [TorsoKind] = [.mlp, .minatar, .nature, .impala]

    /// The bytes in `format` (3 or the current one; tests write format 3 to check that
    /// older files still read).
    func encoded(format: UInt32) -> [UInt8] {
        var out = Self.magic
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        func ints(_ values: [Int]) { u32(UInt32(values.count)); values.forEach { u64(UInt64($0)) } }
        func floats(_ values: [Float]) { u64(UInt64(values.count)); values.forEach { u32($0.bitPattern) } }
        u32(format)
        let name = Array(envName.utf8)
        u32(UInt32(name.count)); out += name
        ints(observationShape)
        u32(observationIsUInt8 ? 1 : 0)
        ints(hiddenSizes)
        u64(UInt64(lstmSize ?? 0))
        if format >= 4 {
            let input = format >= 5 ? [normalizesInputs ? "normalized" : "raw"] : []
            for name in [torso.rawValue, lstmSize == nil ? "none" : "lstm", head, algorithm] + input {
                let bytes = Array(name.utf8)
                u32(UInt32(bytes.count)); out += bytes
            }
        } else {
            u32(UInt32(Self.format3Torsos.firstIndex(of: torso)!))
        }
        u64(UInt64(action.discreteCount ?? action.width))
        switch action {
        case .discrete: break
        case .box(let low, let high): floats(low); floats(high)
        case .multiDiscrete(let counts): ints(counts)
        }
        u64(version); u64(framesTrained)
        floats(parameters); floats(optimizerFirst); floats(optimizerSecond)
        u64(optimizerSteps)
        u64(envSteps); u64(episodes)
        u32(UInt32(generatorState.count)); generatorState.forEach { u64($0) }
        let text = Array(configuration.utf8)
        u32(UInt32(text.count)); out += text
        if format >= 6 { u32(UInt32(returnStatistics.count)); returnStatistics.forEach { u64($0.bitPattern) } }
        u32(CRC32.ieee.checksum(out))
        return out
    }

    public struct DecodingError: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    public init(decoding bytes: [UInt8]) throws(DecodingError) {
        guard bytes.count >= Self.magic.count + 8, Array(bytes.prefix(Self.magic.count)) == Self.magic else {
            throw DecodingError(description: "not a seedrl checkpoint (bad magic)")
        }
        let stored = littleEndian(bytes.suffix(4), as: UInt32.self)
        guard CRC32.ieee.checksum(bytes.dropLast(4)) == stored else {
            throw DecodingError(description: "checksum mismatch (truncated or corrupted)")
        }
        var reader = ByteReader(bytes: bytes, offset: Self.magic.count, end: bytes.count - 4)
        let format = try reader.u32()
        guard (1...Self.formatVersion).contains(format) else {
            throw DecodingError(description: "format version \(format) is not supported (this build reads 1 to \(Self.formatVersion))")
        }
        // Decoding only throws: every count and size is bounded before it is used, so a
        // crafted file (valid CRC, absurd contents) is refused, never a trap.
        envName = String(decoding: try reader.bytes(Int(try reader.u32())), as: UTF8.self)
        observationShape = try reader.ints()
        observationIsUInt8 = try reader.u32() != 0
        hiddenSizes = try reader.ints()
        let core = format >= 2 ? try reader.u64() : 0
        guard core <= 1 << 16 else { throw DecodingError(description: "implausible LSTM size \(core)") }
        lstmSize = core > 0 ? Int(core) : nil
        if format >= 4 {
            let names = try (0..<(format >= 5 ? 5 : 4)).map { _ throws(DecodingError) in try reader.name() }
            if format >= 5 {
                guard ["raw", "normalized"].contains(names[4]) else {
                    throw DecodingError(description: "unknown input '\(names[4])' (this build knows raw, normalized)")
                }
                normalizesInputs = names[4] == "normalized"
            }
            guard let kind = TorsoKind(rawValue: names[0]) else {
                throw DecodingError(description: "unknown torso '\(names[0])' (this build knows \(TorsoKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            torso = kind
            guard names[1] == (lstmSize == nil ? "none" : "lstm") else {
                throw DecodingError(description: "core '\(names[1])' does not match the LSTM size \(core)")
            }
            guard Self.knownHeads.contains(names[2]) else {
                throw DecodingError(description: "unknown policy head '\(names[2])' (this build knows \(Self.knownHeads.joined(separator: ", ")))")
            }
            guard Self.knownAlgorithms.contains(names[3]) else {
                throw DecodingError(description: "unknown algorithm '\(names[3])' (this build knows \(Self.knownAlgorithms.joined(separator: ", ")))")
            }
            head = names[2]
            algorithm = names[3]
        } else {
            let torsoIndex = format >= 3 ? Int(try reader.u32()) : 0
            guard torsoIndex < Self.format3Torsos.count else { throw DecodingError(description: "unknown torso \(torsoIndex)") }
            torso = Self.format3Torsos[torsoIndex]
        }
        let actions = try reader.u64()
        guard actions >= 1 && actions <= 1 << 16 else { throw DecodingError(description: "implausible action count \(actions)") }
        switch head {
        case "gaussian":
            let low = try reader.floats(), high = try reader.floats()
            action = .box(low: low, high: high)
        case "multi-discrete":
            action = .multiDiscrete(try reader.ints())
        default:
            action = .discrete(Int(actions))
        }
        if let problem = action.problem { throw DecodingError(description: "implausible action space: \(problem)") }
        let sizeMatches = switch action {
        case .discrete(let count): count == Int(actions)
        case .box(let low, _): low.count == Int(actions)
        case .multiDiscrete(let counts): counts.count == Int(actions) && counts.allSatisfy { $0 <= 1 << 16 }
        }
        guard sizeMatches else { throw DecodingError(description: "the action space disagrees with its size \(actions)") }
        guard !observationShape.isEmpty, observationShape.count <= 8, observationShape.allSatisfy({ $0 >= 1 }) else {
            throw DecodingError(description: "implausible observation shape \(observationShape)")
        }
        var elements = 1
        for dimension in observationShape {
            let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
            guard !overflow, product <= 1 << 28 else { throw DecodingError(description: "implausible observation shape \(observationShape)") }
            elements = product
        }
        guard hiddenSizes.count <= 16, hiddenSizes.allSatisfy({ $0 >= 1 && $0 <= 1 << 16 }) else {
            throw DecodingError(description: "implausible hidden sizes \(hiddenSizes)")
        }
        if let problem = ConvTorsoPlan.problem(kind: torso, shape: observationShape) { throw DecodingError(description: problem) }
        if let problem = ModelArchitecture.problem(torso: torso, hiddenSizes: hiddenSizes, lstmSize: lstmSize) {
            throw DecodingError(description: problem)
        }
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
        if format >= 6 {
            let count = Int(try reader.u32())
            guard count == 0 || count == 3 else { throw DecodingError(description: "implausible return statistics") }
            returnStatistics = try (0..<count).map { _ throws(DecodingError) in Double(bitPattern: try reader.u64()) }
            guard returnStatistics.allSatisfy(\.isFinite), returnStatistics.first.map({ $0 > 0 }) ?? true,
                  returnStatistics.last.map({ $0 >= 0 }) ?? true
            else { throw DecodingError(description: "implausible return statistics") }
        }
        guard reader.offset == reader.end else { throw DecodingError(description: "trailing bytes") }
        guard parameters.count == architecture.layout.count,
              optimizerFirst.count == parameters.count, optimizerSecond.count == parameters.count
        else {
            throw DecodingError(description: "parameter count does not match the architecture")
        }
        guard parameters.allSatisfy(\.isFinite) else { throw DecodingError(description: "non-finite parameters") }
        guard optimizerFirst.allSatisfy(\.isFinite), optimizerSecond.allSatisfy(\.isFinite) else {
            throw DecodingError(description: "non-finite optimizer state")
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
        littleEndian(try bytes(4), as: UInt32.self)
    }

    mutating func u64() throws(Checkpoint.DecodingError) -> UInt64 {
        littleEndian(try bytes(8), as: UInt64.self)
    }

    /// A short name (a torso, a head...): a u32 length, then UTF-8.
    mutating func name() throws(Checkpoint.DecodingError) -> String {
        let count = Int(try u32())
        guard count <= 64 else { throw Checkpoint.DecodingError(description: "implausible name length \(count)") }
        return String(decoding: try bytes(count), as: UTF8.self)
    }

    mutating func ints() throws(Checkpoint.DecodingError) -> [Int] {
        let count = Int(try u32())
        guard count <= 64 else { throw Checkpoint.DecodingError(description: "implausible list length \(count)") }
        return try (0..<count).map { _ throws(Checkpoint.DecodingError) in
            let value = try u64()
            guard value <= 1 << 30 else { throw Checkpoint.DecodingError(description: "implausible size \(value)") }
            return Int(value)
        }
    }

    mutating func floats() throws(Checkpoint.DecodingError) -> [Float] {
        let stored = try u64()
        guard stored <= UInt64((end - offset) / 4) else { throw Checkpoint.DecodingError(description: "truncated") }
        let count = Int(stored)
        guard count <= (end - offset) / 4 else { throw Checkpoint.DecodingError(description: "truncated") }
        var values = [Float](repeating: 0, count: count)
        for index in 0..<count { values[index] = Float(bitPattern: try u32()) }
        return values
    }
}

/// The little-endian integer stored in `bytes` (whose count is the integer's width).
private func littleEndian<Value: FixedWidthInteger & UnsignedInteger>(_ bytes: ArraySlice<UInt8>, as _: Value.Type) -> Value {
    var value: Value = 0
    var shift = 0
    for byte in bytes {
        value |= Value(byte) << shift
        shift += 8
    }
    return value
}
