import Contract
import Wire

/// An action off the network, read into the action row an environment takes and checked
/// against the environment's space first: an index outside it would trap inside an
/// environment (Acrobot indexes its torque table), a box value outside its bounds or not
/// finite would be physics nobody asked for. A violation ends the actor with a clear error.
enum ReceivedAction {
    /// An Act stream's Action (a view, valid during the delegate call) into `row` (`spec.width` floats); the problem, or nil.
    static func read(_ action: ActionView, spec: ActionSpec, into row: UnsafeMutablePointer<Float>) -> String? {
        switch spec {
        case .discrete:
            row[0] = Float(action.action)
            return check(row, spec: spec, what: "action \(action.action)")
        case .box:
            guard action.continuous.count == spec.width else {
                return "the server sent \(action.continuous.count) continuous values for \(spec.description)"
            }
            row.update(from: action.continuous.baseAddress!, count: spec.width)
            return check(row, spec: spec, what: "action \(Array(action.continuous))")
        case .multiDiscrete:
            guard action.discrete.count == spec.width else {
                return "the server sent \(action.discrete.count) indices for \(spec.description)"
            }
            for d in 0..<spec.width { row[d] = Float(action.discrete[d]) }
            return check(row, spec: spec, what: "action \(Array(action.discrete))")
        }
    }

    /// Whether an ActionBatch holds actions for exactly `lanes` lanes of `spec`.
    static func countProblem(_ batch: ActionBatchView, lanes: Int, spec: ActionSpec) -> String? {
        let (count, field) = switch spec {
        case .discrete: (batch.actions.count, "actions")
        case .box: (batch.continuous.count, "continuous values")
        case .multiDiscrete: (batch.discrete.count, "indices")
        }
        let expected = lanes * spec.width
        return count == expected ? nil : "the server answered \(count) \(field) for \(lanes) lanes of \(spec.description)"
    }

    /// Lane `lane`'s action of a batch (counts already checked) into `row`; the problem, or nil.
    static func read(_ batch: ActionBatchView, lane: Int, spec: ActionSpec, into row: UnsafeMutablePointer<Float>) -> String? {
        let width = spec.width
        switch spec {
        case .discrete: row[0] = Float(batch.actions[lane])
        case .box: row.update(from: batch.continuous.baseAddress! + lane * width, count: width)
        case .multiDiscrete: for d in 0..<width { row[d] = Float(batch.discrete[lane * width + d]) }
        }
        return check(row, spec: spec, what: "lane \(lane)'s action \(Array(UnsafeBufferPointer(start: row, count: width)))")
    }

    /// `what` names the action in the message; it is built only for an action at fault (this
    /// runs for every step an actor takes).
    private static func check(_ row: UnsafeMutablePointer<Float>, spec: ActionSpec, what: @autoclosure () -> String) -> String? {
        spec.contains(UnsafeBufferPointer(start: row, count: spec.width)) ? nil : "the server sent \(what()), outside \(spec.description)"
    }
}
