import Contract

extension ObservationSpec {
    /// Largest Step message a valid actor can send: the observation plus the few bytes
    /// of the other fields and their tags (generous, so future added fields fit).
    public var maxStepMessageBytes: Int { byteCount + 256 }

    /// Largest StepBatch of `lanes` lanes a valid actor can send: the observations and, per
    /// lane, at most 5 bytes of step type and 8 of reward and discount, plus the tags.
    public func maxStepBatchMessageBytes(lanes: Int) -> Int { lanes * (byteCount + 16) + 256 }
}
