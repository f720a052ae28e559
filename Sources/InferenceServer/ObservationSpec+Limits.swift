import Contract

extension ObservationSpec {
    /// Largest Step message a valid actor can send: the observation plus the few bytes
    /// of the other fields and their tags (generous, so future added fields fit).
    public var maxStepMessageBytes: Int { byteCount + 256 }
}
