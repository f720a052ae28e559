import Replay

/// One environment as the learner keeps it: an Act stream has one lane, an ActBatch
/// stream L. The episode it is in and its partial trajectory (the pending Step staged in
/// it on receipt, committed with its action by the inference thread).
struct Lane {
    var episodeReturn: Double = 0
    var unrollBuilder: UnrollBuilder?
}
