import Contract
import Wire

/// The contract's rules for one stream's Steps, as a pure value: each Step is checked
/// against the spec and against the step before it. Errors name the fault.
public struct StepValidator: Sendable {
    public let spec: ObservationSpec
    public let limits: ValueLimits
    /// The type of the last accepted Step; nil before the first.
    public private(set) var previous: StepType?
    /// Bits of `limits.maxAbsObservation` as a float32: for a non-negative float the bit
    /// pattern orders as the value does, so one compare per element finds values beyond
    /// the range and non-finite ones (whose bits are larger still) alike.
    private let observationLimitBits: UInt32

    public init(spec: ObservationSpec, limits: ValueLimits = ValueLimits()) {
        self.spec = spec
        self.limits = limits
        observationLimitBits = Float(min(limits.maxAbsObservation, Double(Float.greatestFiniteMagnitude))).bitPattern
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
            guard Double(step.reward.magnitude) <= limits.maxAbsReward else {
                return .failure(StepError("reward is \(step.reward), beyond the server's range of ±\(limits.maxAbsReward) (--max-abs-reward)",
                                          reason: .reward))
            }
            guard step.discount.isFinite, step.discount >= 0, step.discount <= 1 else {
                return .failure(StepError("discount is \(step.discount), must be in [0, 1]", reason: .discount))
            }
        }
        if spec.dtype == .float32, let (index, value) = firstOutOfRange(step.observation) {
            if !value.isFinite {
                return .failure(StepError("observation element \(index) is not finite (float32 observations must be)", reason: .observationValue))
            }
            return .failure(StepError("observation element \(index) is \(value), beyond the server's range of ±\(limits.maxAbsObservation) "
                                      + "(--max-abs-observation)", reason: .observationValue))
        }
        previous = type
        return .success(type)
    }

    /// The first element that is not finite or whose magnitude is beyond the limit.
    private func firstOutOfRange(_ bytes: UnsafeRawBufferPointer) -> (Int, Float)? {
        let count = bytes.count / 4
        guard let base = bytes.baseAddress else { return nil }
        for index in 0..<count {
            // Unaligned-safe load: the arena aligns, but the contract does not promise it.
            let bits = base.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self)
            if bits & 0x7FFF_FFFF > observationLimitBits { return (index, Float(bitPattern: bits)) }
        }
        return nil
    }
}

/// How large a reward or a float32 observation element may be. A value that is finite but
/// huge (1e30) passes any finiteness check yet makes every update it joins non-finite, so
/// one such actor would stall training for everyone; values beyond these bounds are refused
/// at the Step, naming the lane and field. The defaults are far beyond any task's (Atari's
/// unclipped scores, MuJoCo's velocities) and keep V-trace's returns and the gradients of a
/// batch finite in float32 (1e6 / (1 - 0.99) squared is 1e16).
public struct ValueLimits: Sendable, Equatable {
    public var maxAbsReward: Double
    public var maxAbsObservation: Double

    public init(maxAbsReward: Double = 1e6, maxAbsObservation: Double = 1e6) {
        self.maxAbsReward = maxAbsReward
        self.maxAbsObservation = maxAbsObservation
    }

    /// What a training server refuses beyond (the defaults).
    public static let training = ValueLimits()
    /// No bound: a server that only serves inference has no update to protect.
    public static let unbounded = ValueLimits(maxAbsReward: .infinity, maxAbsObservation: .infinity)
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
