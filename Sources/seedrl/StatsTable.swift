import Runtime
import Wire

/// `seedrl stats`'s table: a header and one right-aligned row per reading.
enum StatsTable {
    static let header = pad("steps served", 14) + pad("steps/s", 10) + pad("streams", 9) + pad("version", 9)
        + pad("episodes", 10) + pad("return", 9) + pad("trained", 12) + pad("trained/s", 11) + pad("batch", 7)

    static func row(_ s: StatsMessage, stepRate: Double, trainRate: Double) -> String {
        pad("\(s.stepsServed)", 14) + pad(format(stepRate, decimals: 0), 10) + pad("\(s.activeStreams)", 9)
            + pad("\(s.modelVersion)", 9) + pad("\(s.episodesCompleted)", 10) + pad(format(s.meanEpisodeReturn), 9)
            + pad("\(s.framesTrained)", 12) + pad(format(trainRate, decimals: 0), 11) + pad(format(s.meanBatchSize), 7)
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : String(repeating: " ", count: width - text.count) + text
    }
}
