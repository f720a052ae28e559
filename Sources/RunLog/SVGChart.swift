/// A plain SVG line chart (one or more series on shared axes, nice ticks, a legend),
/// readable in any browser. Pure: builds a string.
public struct SVGChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]
        public var color: String
        public init(name: String, points: [(x: Double, y: Double)], color: String) {
            self.name = name
            self.points = points
            self.color = color
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    /// Plot the x axis on a log₁₀ scale (stream counts, latencies).
    public var logX = false
    public var width = 640.0, height = 360.0

    public init(title: String, xLabel: String, yLabel: String, series: [Series]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
    }

    /// The chart as a `<g>` group shifted down by `offset` (charts stack in one document).
    public func element(y offset: Double = 0) -> String {
        let left = 70.0, right = 20.0, top = 34.0, bottom = 46.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let all = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite && (!logX || $0.x > 0) }
        let tx: (Double) -> Double = { logX ? log10($0) : $0 }
        let xs = all.map { tx($0.x) }, ys = all.map(\.y)
        let (x0, x1) = Self.range(xs.min() ?? 0, xs.max() ?? 1)
        let (y0, y1) = Self.range(min(ys.min() ?? 0, 0), ys.max() ?? 1)
        let px = { (x: Double) in left + (tx(x) - x0) / (x1 - x0) * plotWidth }
        let py = { (y: Double) in top + plotHeight - (y - y0) / (y1 - y0) * plotHeight }
        var svg = "<g transform=\"translate(0 \(f(offset)))\">\n"
        svg += "<rect width=\"\(f(width))\" height=\"\(f(height))\" fill=\"white\"/>\n"
        svg += "<text x=\"\(f(width / 2))\" y=\"20\" text-anchor=\"middle\" font-family=\"sans-serif\" font-size=\"15\">\(escape(title))</text>\n"
        for tick in Self.ticks(y0, y1) {
            svg += "<line x1=\"\(f(left))\" x2=\"\(f(left + plotWidth))\" y1=\"\(f(py(tick)))\" y2=\"\(f(py(tick)))\" stroke=\"#ddd\"/>"
            svg += "<text x=\"\(f(left - 6))\" y=\"\(f(py(tick) + 4))\" text-anchor=\"end\" font-family=\"sans-serif\" font-size=\"11\">\(Self.label(tick))</text>\n"
        }
        let xTicks = logX && x1 - x0 >= 1 ? Array(stride(from: ceil(x0), through: floor(x1), by: 1)) : Self.ticks(x0, x1)
        for tick in xTicks {
            let x = left + (tick - x0) / (x1 - x0) * plotWidth
            let value = logX ? pow(10, tick) : tick
            svg += "<text x=\"\(f(x))\" y=\"\(f(top + plotHeight + 16))\" text-anchor=\"middle\" font-family=\"sans-serif\" font-size=\"11\">\(Self.label(value))</text>\n"
        }
        svg += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\" fill=\"none\" stroke=\"#333\"/>\n"
        svg += "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 8))\" text-anchor=\"middle\" font-family=\"sans-serif\" font-size=\"12\">\(escape(xLabel))</text>\n"
        let labelY = f(top + plotHeight / 2)
        svg += "<text x=\"16\" y=\"\(labelY)\" transform=\"rotate(-90 16 \(labelY))\" text-anchor=\"middle\" font-family=\"sans-serif\" font-size=\"12\">\(escape(yLabel))</text>\n"
        for (index, s) in series.enumerated() {
            let points = s.points.filter { $0.x.isFinite && $0.y.isFinite && (!logX || $0.x > 0) }
                .map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
            svg += "<polyline class=\"series\" data-name=\"\(escape(s.name))\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"1.8\" points=\"\(points)\"/>\n"
            let ly = top + 14 + Double(index) * 16
            svg += "<line x1=\"\(f(left + 10))\" x2=\"\(f(left + 28))\" y1=\"\(f(ly - 4))\" y2=\"\(f(ly - 4))\" stroke=\"\(s.color)\" stroke-width=\"2\"/>"
            svg += "<text x=\"\(f(left + 32))\" y=\"\(f(ly))\" font-family=\"sans-serif\" font-size=\"11\">\(escape(s.name))</text>\n"
        }
        return svg + "</g>\n"
    }

    /// A standalone SVG document of charts stacked vertically.
    public static func document(_ charts: [SVGChart]) -> String {
        let width = charts.map(\.width).max() ?? 640
        let height = charts.reduce(0) { $0 + $1.height }
        var offset = 0.0
        var body = ""
        for chart in charts {
            body += chart.element(y: offset)
            offset += chart.height
        }
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\">\n"
            + body + "</svg>\n"
    }

    static func range(_ low: Double, _ high: Double) -> (Double, Double) {
        low == high ? (low - 1, high + 1) : (low, high)
    }

    /// About five round ticks between `low` and `high`.
    static func ticks(_ low: Double, _ high: Double) -> [Double] {
        let raw = (high - low) / 5
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        var tick = ceil(low / step) * step
        var ticks: [Double] = []
        while tick <= high + step * 1e-9 {
            ticks.append(tick)
            tick += step
        }
        return ticks
    }

    static func label(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude >= 1e6 { return trim(value / 1e6) + "M" }
        if magnitude >= 1e3 { return trim(value / 1e3) + "k" }
        return trim(value)
    }

    private static func trim(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        if rounded == rounded.rounded(), let whole = Int(exactly: rounded) { return "\(whole)" }
        return "\(rounded)"
    }
}

private func f(_ value: Double) -> String {
    let rounded = (value * 10).rounded() / 10
    if rounded == rounded.rounded(), let whole = Int(exactly: rounded) { return "\(whole)" }
    return "\(rounded)"
}

private func escape(_ text: String) -> String {
    text.replacingAll("&", "&amp;").replacingAll("<", "&lt;").replacingAll(">", "&gt;").replacingAll("\"", "&quot;")
}

extension String {
    fileprivate func replacingAll(_ target: Character, _ replacement: String) -> String {
        var out = ""
        for character in self { if character == target { out += replacement } else { out.append(character) } }
        return out
    }
}

#if canImport(Glibc)
import Glibc
#endif
