/// The learners of a data-parallel job (one per rank), as the training loop needs them:
/// element-wise sums across ranks and broadcasts from rank 0. The command line adapts
/// MPI to it; LearnerLoop knows nothing of MPI. Calls are collective (every rank makes
/// the same calls in the same order) and all come from one thread per rank: the one
/// that created the group.
public protocol DataParallelGroup: AnyObject, Sendable {
    var rank: Int { get }
    var size: Int { get }
    func sumInPlace(_ values: UnsafeMutableBufferPointer<Float>)
    func sumInPlace(_ values: UnsafeMutableBufferPointer<Double>)
    func broadcast(_ values: UnsafeMutableBufferPointer<Float>, from root: Int)
    func broadcast(_ values: UnsafeMutableBufferPointer<Double>, from root: Int)
    /// Ends the whole job, with `reason` on standard error.
    func abort(reason: String) -> Never
    /// Leaves the job (the last call).
    func leave()
}

extension Learner {
    /// Makes this rank's learner start from `root`'s state (its fresh initialisation or the
    /// checkpoint it resumed): parameters, optimizer moments, counters, reward
    /// normalisation's statistics, and the published version. Collective; the job ends if
    /// the ranks' models differ in size or their learner settings differ (`agreementFields`).
    public func adoptState(of root: Int, in group: DataParallelGroup) {
        var header: [Double] = [Double(parameters.count), Double(store.version), Double(optimizer.steps), Double(framesTrained)]
        let ownCount = header[0]
        header.withUnsafeMutableBufferPointer { group.broadcast($0, from: root) }
        if header[0] != ownCount {
            group.abort(reason: "this rank's model has \(Int(ownCount)) parameters, rank \(root)'s \(Int(header[0])): "
                + "every rank must serve the same model (same spec, --hidden and checkpoint)")
        }
        var rootSettings = settings.agreementFields.map(\.value)
        rootSettings.withUnsafeMutableBufferPointer { group.broadcast($0, from: root) }
        let differences = settings.disagreements(withRank: root, values: rootSettings)
        if !differences.isEmpty {
            group.abort(reason: "this rank's learner settings differ from rank \(root)'s (" + differences.joined(separator: "; ")
                + "): every rank must be started with the same learning flags")
        }
        var values = parameters
        var (first, second, _) = optimizer.state
        values.withUnsafeMutableBufferPointer { group.broadcast($0, from: root) }
        first.withUnsafeMutableBufferPointer { group.broadcast($0, from: root) }
        second.withUnsafeMutableBufferPointer { group.broadcast($0, from: root) }
        // Reward normalisation's statistics (every rank has them or none: the settings agree).
        var returns = savedReturnStatistics
        returns?.withUnsafeMutableBufferPointer { group.broadcast($0, from: root) }
        restore(parameters: values, optimizer: first, second, steps: UInt64(header[2]), framesTrained: UInt64(header[3]),
                returnStatistics: returns)
        store.reset(to: values, version: UInt64(header[1]))
    }
}
