import Contract
import Threading
import Wire

/// The contract's rules (Protos/seedrl/v1/learner.proto) checked against any server that
/// claims to speak it, over real gRPC: what `seedrl conformance --server` runs. Every rule
/// opens streams of its own, so a failure names one rule and leaves the others standing.
public struct ServerConformance {
    public struct Options: Sendable {
        public var target: String
        /// The server's bearer token, if it has one (then auth is checked too).
        public var token: String?
        public var security: ChannelSecurity = .insecure
        /// Require training to advance (model_version to grow while steps are sent).
        public var expectTraining = false
        /// How long to send steps before training counts as not advancing.
        public var trainingSeconds: Double = 60

        public init(target: String, token: String? = nil) {
            self.target = target
            self.token = token
        }
    }

    private let options: Options
    private let channel: WireChannel
    private let poller = StreamPoller(name: "seedrl-conformance")
    private let opened = Locked<[BlockingStream]>([])
    private let ran = Locked(false)

    public init(options: Options) {
        self.options = options
        channel = WireChannel(target: options.target, token: options.token, separateConnection: true, security: options.security)
    }

    /// Runs every rule and returns the report (a server that does not answer GetSpec fails
    /// that rule and skips the rest). Once per instance: its poller shuts down at the end.
    public func run() -> ConformanceReport {
        precondition(ran.withLock { ran in defer { ran = true }; return !ran }, "a ServerConformance runs once")
        defer { poller.shutdown() }
        var report = ConformanceReport()
        let spec: SpecMessage
        do {
            spec = try channel.getSpec()
        } catch {
            report.results.append(.init("GetSpec answers", .fail, "\(error)"))
            return report
        }
        guard let checked = Checked(spec) else {
            report.results.append(.init("GetSpec describes a servable Spec", .fail,
                                        "shape \(spec.observationShape), dtype \(spec.observationDType), action space \(spec.actionSpace.map { "\($0)" } ?? "none"), num_actions \(spec.numActions)"))
            return report
        }
        report.results.append(.init("GetSpec describes a servable Spec", .pass,
                                    "\(spec.env): \(checked.observation.description), actions \(checked.action), max_lanes \(spec.maxLanes)"))
        let rules: [(String, (Checked) -> ConformanceResult.Verdict)] = [
            ("GetStats answers", getStats),
            ("Act: FIRST, MID..., LAST, FIRST each get one Action in the space", episode),
            ("Act: model_version never decreases on a stream", versions),
            ("Act: a MID before FIRST ends the stream with INVALID_ARGUMENT", { refused(type: 2, first: false, $0) }),
            ("Act: an unknown step type ends it with INVALID_ARGUMENT", { refused(type: 9, first: true, $0) }),
            ("Act: a wrong observation size ends it with INVALID_ARGUMENT", wrongSize),
            ("Act: a discount outside [0, 1] ends it with INVALID_ARGUMENT", badDiscount),
            ("Act: a non-finite observation ends it with INVALID_ARGUMENT", nonFinite),
            ("Act: an undecodable message ends it with INVALID_ARGUMENT", undecodable),
            ("Act: other streams are served after one is refused", isolation),
            ("ActBatch: L lanes get L actions in the space per message", lanes),
            ("ActBatch: more lanes than max_lanes are refused", tooManyLanes),
            ("ActBatch: field counts that disagree are refused", disagreeing),
            ("GetStats: env_steps counts the MID and LAST steps sent", envSteps),
            ("auth: a call without the token is refused with UNAUTHENTICATED", missingToken),
            ("auth: a wrong token is refused with UNAUTHENTICATED", wrongToken),
            ("an unknown method is answered with UNIMPLEMENTED", unknownMethod),
            ("training advances: model_version grows while steps arrive", training),
        ]
        for (rule, check) in rules {
            let (outcome, detail) = check(checked).parts
            report.results.append(.init(rule, outcome, detail))
            let streams = opened.withLock { streams -> [BlockingStream] in
                defer { streams = [] }
                return streams
            }
            for stream in streams { stream.cancel() }
        }
        return report
    }

    // MARK: The spec, as the rules use it

    struct Checked {
        let observation: ObservationFormat
        let action: ActionSpec
        let maxLanes: Int

        init?(_ spec: SpecMessage) {
            guard !spec.observationShape.isEmpty, spec.observationShape.allSatisfy({ $0 > 0 }),
                  spec.observationDType != .unspecified else { return nil }
            let action = spec.actionSpace ?? (spec.numActions > 0 ? .discrete(Int(spec.numActions)) : nil)
            guard let action, action.problem == nil else { return nil }
            if case .discrete(let count) = action, spec.numActions != Int32(count) { return nil }
            observation = ObservationFormat(shape: spec.observationShape.map { Int($0) }, dtype: spec.observationDType)
            self.action = action
            maxLanes = Int(spec.maxLanes)
        }

        /// A valid observation: zeros.
        var zeros: [UInt8] { [UInt8](repeating: 0, count: observation.byteCount) }

        /// Whether one reply holds `lanes` actions of the space.
        func holds(_ event: BlockingStream.Event?, lanes: Int) -> String? {
            guard case .actions(let discrete, let continuous, let indices, _) = event else { return "expected actions, got \(describe(event))" }
            var rows: [[Float]] = []
            switch action {
            case .discrete:
                guard discrete.count == lanes else { return "\(discrete.count) actions for \(lanes) lanes" }
                rows = discrete.map { [Float($0)] }
            case .box:
                guard continuous.count == lanes * action.width else { return "\(continuous.count) box values for \(lanes) lanes of \(action.width)" }
                rows = (0..<lanes).map { Array(continuous[$0 * action.width..<($0 + 1) * action.width]) }
            case .multiDiscrete:
                guard indices.count == lanes * action.width else { return "\(indices.count) indices for \(lanes) lanes of \(action.width)" }
                rows = (0..<lanes).map { lane in indices[lane * action.width..<(lane + 1) * action.width].map { Float($0) } }
            }
            for (lane, row) in rows.enumerated() where !row.withUnsafeBufferPointer({ action.contains($0) }) {
                return "lane \(lane): \(row) is not in \(action)"
            }
            return nil
        }
    }

    // MARK: Rules

    /// A new stream, cancelled when the rule that opened it ends (`Opened` below): a
    /// server that never answers must not keep a worker per stream of this kit.
    private func stream(method: StreamMethod = .act, lanes: Int = 1) -> BlockingStream? {
        guard let stream = try? BlockingStream(channel: channel, poller: poller, method: method, lanes: lanes) else { return nil }
        opened.withLock { $0.append(stream) }
        return stream
    }

    private func getStats(_ spec: Checked) -> ConformanceResult.Verdict {
        do {
            let stats = try channel.getStats()
            return .pass("steps_served \(stats.stepsServed), model_version \(stats.modelVersion)")
        } catch {
            return .fail("\(error)")
        }
    }

    private func episode(_ spec: Checked) -> ConformanceResult.Verdict {
        guard let stream = stream() else { return .fail("could not open an Act stream") }
        defer { stream.close() }
        let types: [StepType] = [.first] + Array(repeating: .mid, count: 8) + [.last, .first, .mid]
        for (index, type) in types.enumerated() {
            let reply = stream.exchange(type: Int32(type.rawValue), reward: 1, discount: type == .last ? 0 : 1, observation: spec.zeros)
            if let problem = spec.holds(reply, lanes: 1) { return .fail("step \(index) (\(type)): \(problem)") }
        }
        return .pass("\(types.count) steps, \(types.count) actions")
    }

    private func versions(_ spec: Checked) -> ConformanceResult.Verdict {
        guard let stream = stream() else { return .fail("could not open an Act stream") }
        defer { stream.close() }
        var last: UInt64 = 0
        for index in 0..<50 {
            let reply = stream.exchange(type: Int32(index == 0 ? StepType.first.rawValue : StepType.mid.rawValue), observation: spec.zeros)
            guard case .actions(_, _, _, let version) = reply else { return .fail("step \(index): \(describe(reply))") }
            if version < last { return .fail("step \(index): version \(version) after \(last)") }
            last = version
        }
        return .pass("50 steps, last version \(last)")
    }

    /// The step that breaks a rule must end the stream with `code`, unanswered.
    private func expectRefusal(_ event: BlockingStream.Event?, _ code: StatusCode) -> ConformanceResult.Verdict {
        guard case .closed(let error?) = event else { return .fail("expected \(code), got \(describe(event))") }
        guard error.code == code else { return .fail("expected \(code), got \(error)") }
        return .pass("\(error.code): \(error.message)")
    }

    private func refused(type: Int32, first: Bool, _ spec: Checked) -> ConformanceResult.Verdict {
        guard let stream = stream() else { return .fail("could not open an Act stream") }
        if first, let problem = spec.holds(stream.exchange(type: Int32(StepType.first.rawValue), observation: spec.zeros), lanes: 1) {
            return .fail("FIRST: \(problem)")
        }
        return expectRefusal(stream.exchange(type: type, observation: spec.zeros), .invalidArgument)
    }

    private func wrongSize(_ spec: Checked) -> ConformanceResult.Verdict {
        guard let stream = stream() else { return .fail("could not open an Act stream") }
        return expectRefusal(stream.exchange(type: Int32(StepType.first.rawValue), observation: spec.zeros + [0]), .invalidArgument)
    }

    private func badDiscount(_ spec: Checked) -> ConformanceResult.Verdict {
        guard let stream = stream() else { return .fail("could not open an Act stream") }
        _ = stream.exchange(type: Int32(StepType.first.rawValue), observation: spec.zeros)
        return expectRefusal(stream.exchange(type: Int32(StepType.mid.rawValue), discount: 1.5, observation: spec.zeros), .invalidArgument)
    }

    private func nonFinite(_ spec: Checked) -> ConformanceResult.Verdict {
        guard spec.observation.dtype == .float32 else { return .skip("uint8 observations cannot be non-finite") }
        guard let stream = stream() else { return .fail("could not open an Act stream") }
        var observation = spec.zeros
        withUnsafeBytes(of: Float.nan) { observation.replaceSubrange(0..<4, with: $0) }
        return expectRefusal(stream.exchange(type: Int32(StepType.first.rawValue), observation: observation), .invalidArgument)
    }

    private func undecodable(_ spec: Checked) -> ConformanceResult.Verdict {
        guard let stream = stream() else { return .fail("could not open an Act stream") }
        // Field 1 as a length-delimited value whose length runs past the end.
        return expectRefusal(stream.exchange(raw: [0x0A, 0xFF, 0x01]), .invalidArgument)
    }

    private func isolation(_ spec: Checked) -> ConformanceResult.Verdict {
        guard let healthy = stream(), let faulty = stream() else { return .fail("could not open Act streams") }
        defer { healthy.close() }
        if let problem = spec.holds(healthy.exchange(type: Int32(StepType.first.rawValue), observation: spec.zeros), lanes: 1) {
            return .fail("healthy FIRST: \(problem)")
        }
        guard case .closed(_?) = faulty.exchange(type: Int32(StepType.mid.rawValue), observation: spec.zeros) else {
            return .fail("the faulty stream was not ended")
        }
        if let problem = spec.holds(healthy.exchange(type: Int32(StepType.mid.rawValue), observation: spec.zeros), lanes: 1) {
            return .fail("healthy MID after the other's refusal: \(problem)")
        }
        return .pass("the healthy stream got its next Action")
    }

    private func lanes(_ spec: Checked) -> ConformanceResult.Verdict {
        guard spec.maxLanes > 0 else { return .skip("max_lanes is 0: ActBatch not served") }
        let count = min(4, spec.maxLanes)
        guard let stream = stream(method: .actBatch, lanes: count) else { return .fail("could not open an ActBatch stream") }
        defer { stream.close() }
        let observations = [UInt8](repeating: 0, count: spec.observation.byteCount * count)
        for (index, type) in [StepType.first, .mid, .mid, .last, .first].enumerated() {
            let reply = stream.exchange(types: Array(repeating: UInt32(type.rawValue), count: count), rewards: Array(repeating: 1, count: count),
                                        discounts: Array(repeating: type == .last ? 0 : 1, count: count), observations: observations)
            if let problem = spec.holds(reply, lanes: count) { return .fail("message \(index): \(problem)") }
        }
        return .pass("\(count) lanes, 5 messages")
    }

    private func tooManyLanes(_ spec: Checked) -> ConformanceResult.Verdict {
        guard spec.maxLanes > 0 else { return .skip("max_lanes is 0: ActBatch not served") }
        let count = spec.maxLanes + 1
        guard count * spec.observation.byteCount <= 16 << 20 else { return .skip("max_lanes + 1 lanes would exceed 16 MiB") }
        guard let stream = stream(method: .actBatch, lanes: count) else { return .fail("could not open an ActBatch stream") }
        let reply = stream.exchange(types: Array(repeating: UInt32(StepType.first.rawValue), count: count), rewards: Array(repeating: 0, count: count),
                                    discounts: Array(repeating: 1, count: count),
                                    observations: [UInt8](repeating: 0, count: spec.observation.byteCount * count))
        guard case .closed(let error?) = reply, error.code == .invalidArgument || error.code == .resourceExhausted else {
            return .fail("expected INVALID_ARGUMENT (or RESOURCE_EXHAUSTED for the size), got \(describe(reply))")
        }
        return .pass("\(count) lanes: \(error)")
    }

    private func disagreeing(_ spec: Checked) -> ConformanceResult.Verdict {
        guard spec.maxLanes >= 2 else { return .skip("fewer than 2 lanes served") }
        guard let stream = stream(method: .actBatch, lanes: 2) else { return .fail("could not open an ActBatch stream") }
        let reply = stream.exchange(types: [UInt32(StepType.first.rawValue), UInt32(StepType.first.rawValue)], rewards: [0],
                                    discounts: [1, 1], observations: [UInt8](repeating: 0, count: spec.observation.byteCount * 2))
        return expectRefusal(reply, .invalidArgument)
    }

    private func envSteps(_ spec: Checked) -> ConformanceResult.Verdict {
        guard let before = try? channel.getStats() else { return .fail("GetStats failed") }
        guard let stream = stream() else { return .fail("could not open an Act stream") }
        let types: [StepType] = [.first, .mid, .mid, .mid, .last, .first]
        for type in types {
            guard case .actions = stream.exchange(type: Int32(type.rawValue), discount: type == .last ? 0 : 1, observation: spec.zeros) else {
                return .fail("a step was not answered")
            }
        }
        stream.close()
        guard let after = try? channel.getStats() else { return .fail("GetStats failed") }
        let grown = after.envSteps &- before.envSteps, served = after.stepsServed &- before.stepsServed
        // Other clients may be stepping too: at least ours must be counted.
        guard grown >= 4, served >= 6 else { return .fail("env_steps grew by \(grown) (4 sent), steps_served by \(served) (6)") }
        return .pass("env_steps +\(grown) for 4 MID/LAST, steps_served +\(served) for 6 steps")
    }

    private func missingToken(_ spec: Checked) -> ConformanceResult.Verdict {
        guard options.token != nil else { return .skip("no --token given: the server is taken to have none") }
        return refusedCall(token: nil)
    }

    private func wrongToken(_ spec: Checked) -> ConformanceResult.Verdict {
        guard let token = options.token else { return .skip("no --token given: the server is taken to have none") }
        return refusedCall(token: token + "x")
    }

    private func refusedCall(token: String?) -> ConformanceResult.Verdict {
        let other = WireChannel(target: options.target, token: token, separateConnection: true, security: options.security)
        do {
            _ = try other.getSpec()
            return .fail("GetSpec was answered")
        } catch {
            guard error.code == .unauthenticated else { return .fail("expected UNAUTHENTICATED, got \(error)") }
        }
        guard let stream = try? BlockingStream(channel: other, poller: poller) else { return .fail("could not open an Act stream") }
        defer { stream.cancel() }
        let zeros = [UInt8](repeating: 0, count: 4)
        guard case .closed(let error?) = stream.exchange(type: Int32(StepType.first.rawValue), observation: zeros),
              error.code == .unauthenticated else { return .fail("an Act stream was not refused with UNAUTHENTICATED") }
        return .pass("GetSpec and Act: \(error.message)")
    }

    private func unknownMethod(_ spec: Checked) -> ConformanceResult.Verdict {
        do {
            _ = try channel.unary(method: "/seedrl.v1.Learner/NoSuchMethod", timeoutMilliseconds: 10_000)
            return .fail("it was answered")
        } catch {
            return error.code == .unimplemented ? .pass("\(error)") : .fail("expected UNIMPLEMENTED, got \(error)")
        }
    }

    private func training(_ spec: Checked) -> ConformanceResult.Verdict {
        guard options.expectTraining else { return .skip("not asked (--expect-training)") }
        guard let start = try? channel.getStats().modelVersion else { return .fail("GetStats failed") }
        let count = max(1, min(8, spec.maxLanes))
        let method: StreamMethod = spec.maxLanes > 0 ? .actBatch : .act
        guard let stream = stream(method: method, lanes: count) else { return .fail("could not open a stream") }
        defer { stream.close() }
        let deadline = MonotonicClock.now() + UInt64(options.trainingSeconds * 1e9)
        let observations = [UInt8](repeating: 0, count: spec.observation.byteCount * count)
        var step = 0
        while MonotonicClock.now() < deadline {
            // Episodes of 10 steps, reward 1 each.
            let type: StepType = step % 10 == 0 ? .first : step % 10 == 9 ? .last : .mid
            let reply = method == .act
                ? stream.exchange(type: Int32(type.rawValue), reward: 1, discount: type == .last ? 0 : 1, observation: observations)
                : stream.exchange(types: Array(repeating: UInt32(type.rawValue), count: count), rewards: Array(repeating: 1, count: count),
                                  discounts: Array(repeating: type == .last ? 0 : 1, count: count), observations: observations)
            guard case .actions(_, _, _, let version) = reply else { return .fail("step \(step): \(describe(reply))") }
            if version > start { return .pass("model_version \(start) → \(version) after \(step + 1) messages of \(count) lanes") }
            step += 1
        }
        return .fail("model_version stayed \(start) for \(options.trainingSeconds) s (\(step) messages of \(count) lanes)")
    }
}

extension ConformanceResult {
    /// A rule's outcome with its detail.
    enum Verdict {
        case pass(String), fail(String), skip(String)

        var parts: (Outcome, String) {
            switch self {
            case .pass(let detail): (.pass, detail)
            case .fail(let detail): (.fail, detail)
            case .skip(let detail): (.skip, detail)
            }
        }
    }
}

func describe(_ event: BlockingStream.Event?) -> String {
    switch event {
    case nil: return "nothing within 10 s"
    case .closed(nil)?: return "the stream ended with OK"
    case .closed(let error?)?: return "the stream ended with \(error)"
    case .actions(let discrete, let continuous, let indices, let version)?:
        return "actions \(discrete) \(continuous) \(indices) (version \(version))"
    }
}
