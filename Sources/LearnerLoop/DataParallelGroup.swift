/// The learners of a data-parallel job (one per rank), as the training loop needs them:
/// element-wise sums across ranks and broadcasts from rank 0. The command line adapts
/// MPI to it; LearnerLoop knows nothing of MPI. Calls are collective (every rank makes
/// the same calls in the same order) and come from one thread per rank.
public protocol DataParallelGroup: AnyObject, Sendable {
    var rank: Int { get }
    var size: Int { get }
    func sumInPlace(_ values: UnsafeMutableBufferPointer<Float>)
    func sumInPlace(_ values: UnsafeMutableBufferPointer<Double>)
    func broadcast(_ values: UnsafeMutableBufferPointer<Float>, from root: Int)
    func broadcast(_ values: UnsafeMutableBufferPointer<Double>, from root: Int)
}
