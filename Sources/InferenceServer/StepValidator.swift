import Contract
import Wire

/// The contract's rules for one stream's Steps, as a pure value: each Step is checked
/// against the spec and against the step before it. Errors name the fault.
public struct StepValidator: Sendable {
    public let spec: ObservationSpec
    /// The type of the last accepted Step; nil before the first.
    public private(set) var previous: StepType?

    public init(spec: ObservationSpec) {
        self.spec = spec
    }

    /// Checks `step`; on success remembers its type and returns it.
    public mutating func validate(_ step: StepView) -> Result<StepType, StepError> {
        guard let type = step.stepType else {
            return .failure(step.rawStepType == 0
                ? StepError("step_type is STEP_TYPE_UNSPECIFIED; expected FIRST, MID or LAST", reason: .stepType)
                : StepError("step_type \(step.rawStepType) is not a known StepType; expected FIRST (1), MID (2) or LAST (3)", reason: .stepType))
        }
        switch (previous, type) {
        case (nil, .mid), (nil, .last):
            return .failure(StepError("the first Step of a stream must be FIRST, got \(type)", reason: .order))
        case (.last?, .mid), (.last?, .last):
            return .failure(StepError("a Step after LAST must be FIRST, got \(type)", reason: .order))
        default:
            break
        }
        if step.observation.count != spec.byteCount {
            return .failure(StepError(reason: .observationSize,
                "observation has \(step.observation.count) bytes, expected \(spec.byteCount) (shape \(spec.shapeDescription))"))
        }
        if type != .first {
            // FIRST's reward and discount are ignored by the contract.
            guard step.reward.isFinite else { return .failure(StepError("reward is \(step.reward), must be finite", reason: .reward)) }
            guard step.discount.isFinite, step.discount >= 0, step.discount <= 1 else {
                return .failure(StepError("discount is \(step.discount), must be in [0, 1]", reason: .discount))
            }
        }
        if spec.dtype == .float32, let index = firstNonFinite(step.observation) {
            return .failure(StepError("observation element \(index) is not finite (float32 observations must be)", reason: .observationValue))
        }
        previous = type
        return .success(type)
    }

    private func firstNonFinite(_ bytes: UnsafeRawBufferPointer) -> Int? {
        let count = bytes.count / 4
        guard let base = bytes.baseAddress else { return nil }
        for index in 0..<count {
            // Unaligned-safe load: the arena aligns, but the contract does not promise it.
            let bits = base.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self)
            if bits & 0x7F80_0000 == 0x7F80_0000 { return index }
        }
        return nil
    }
}

public struct StepError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public let reason: InvalidStepReason
    public init(_ message: String, reason: InvalidStepReason) {
        self.message = message
        self.reason = reason
    }
    public init(reason: InvalidStepReason, _ message: String) { self.init(message, reason: reason) }
    public var description: String { message }
}

/// Why a Step (or a StepBatch) was refused: the label of the invalid-steps counter.
public enum InvalidStepReason: String, Sendable, CaseIterable {
    case stepType = "step_type"
    case order
    case observationSize = "observation_size"
    case observationValue = "observation_value"
    case reward
    case discount
    /// A StepBatch's lane count or field counts.
    case lanes
}
