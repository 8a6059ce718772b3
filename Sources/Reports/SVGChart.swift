import Foundation

/// A line chart as inline SVG: axes with rounded ticks, one or more series (lines, or points
/// joined by lines), optional vertical markers (stage boundaries), horizontal reference lines
/// (baselines) and a legend below the plot. Every point carries its values as an SVG `<title>`,
/// which browsers show on hover.
struct SVGChart {
  struct Series {
    var name: String
    var points: [(x: Double, y: Double)]
    var color: String
    /// Draw each point as a dot too (evaluations, sparse series).
    var dots: Bool = false
    var width: Double = 1.5
    var opacity: Double = 1
    /// Digits of the y value in hover titles.
    var digits: Int = 4
  }

  /// A horizontal dashed line at `y` (an evaluation before training) in a series' colour.
  struct Reference {
    var y: Double
    var color: String
    var label: String
  }

  struct Marker {
    var x: Double
    var label: String
  }

  var title: String
  var xLabel: String
  var series: [Series]
  var markers: [Marker] = []
  /// Highlighted points (the best evaluation), drawn as rings.
  var highlights: [(x: Double, y: Double, label: String)] = []
  var references: [Reference] = []
  /// The x range to show (default: the data's).
  var xDomain: ClosedRange<Double>? = nil
  var width = 460.0
  var height = 250.0

  /// Hover targets per series at most (a longer series gets every k-th point).
  static let maxHoverPoints = 1500

  /// The legend's rows: each entry's series and x offset, wrapped to the chart's width.
  func legendRows(left: Double, right: Double) -> [[(Series, Double)]] {
    var rows: [[(Series, Double)]] = [[]]
    var x = left
    for sr in series where !sr.name.isEmpty {
      let w = Double(sr.name.count) * 6.2 + 26
      if x + w > width - right && !rows[rows.count - 1].isEmpty {
        rows.append([])
        x = left
      }
      rows[rows.count - 1].append((sr, x))
      x += w
    }
    return rows.filter { !$0.isEmpty }
  }

  func render() -> String {
    let left = 62.0, right = 14.0, top = 30.0, bottom = 40.0
    let legend = legendRows(left: left, right: right)
    let height = self.height + 16 * Double(legend.count) + (legend.isEmpty ? 0 : 4)
    let plotW = width - left - right, plotH = self.height - top - bottom
    let all = (series.flatMap(\.points) + references.map { (x: Double.nan, y: $0.y) }).filter { $0.y.isFinite }
    let xs = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }.map(\.x)
    var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(fmt(width)) \(fmt(height))\" width=\"\(fmt(width))\" height=\"\(fmt(height))\" role=\"img\" aria-label=\"\(HTML.escape(title))\">"
    s += "<text x=\"\(fmt(left))\" y=\"18\" class=\"title\">\(HTML.escape(title))</text>"
    guard !xs.isEmpty else {
      s += "<text x=\"\(fmt(width / 2))\" y=\"\(fmt(height / 2))\" text-anchor=\"middle\" class=\"empty\">no data</text></svg>"
      return s
    }
    var (x0, x1) = (xs.min()!, xs.max()!)
    for m in markers { x0 = min(x0, m.x); x1 = max(x1, m.x) }
    if let d = xDomain { x0 = min(x0, d.lowerBound); x1 = max(x1, d.upperBound) }
    var (y0, y1) = (all.map(\.y).min()!, all.map(\.y).max()!)
    if x1 == x0 { x0 -= 1; x1 += 1 }
    if y1 == y0 { let pad = max(abs(y0) * 0.05, 1e-6); y0 -= pad; y1 += pad }
    let yt = Self.ticks(y0, y1, count: 5)
    y0 = min(y0, yt.first!); y1 = max(y1, yt.last!)
    // steps are whole numbers: no tick between two
    let wholeX = xs.allSatisfy { $0 == $0.rounded() }
    let xt = Self.ticks(x0, x1, count: 6).filter { $0 >= x0 && $0 <= x1 && (!wholeX || $0 == $0.rounded()) }
    func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * plotW }
    func py(_ y: Double) -> Double { top + (1 - (y - y0) / (y1 - y0)) * plotH }
    // grid and axes
    s += "<g class=\"grid\">"
    for y in yt { s += "<line x1=\"\(fmt(left))\" x2=\"\(fmt(left + plotW))\" y1=\"\(fmt(py(y)))\" y2=\"\(fmt(py(y)))\"/>" }
    s += "</g><g class=\"axis\">"
    s += "<line x1=\"\(fmt(left))\" x2=\"\(fmt(left))\" y1=\"\(fmt(top))\" y2=\"\(fmt(top + plotH))\"/>"
    s += "<line x1=\"\(fmt(left))\" x2=\"\(fmt(left + plotW))\" y1=\"\(fmt(top + plotH))\" y2=\"\(fmt(top + plotH))\"/>"
    for y in yt { s += "<text x=\"\(fmt(left - 6))\" y=\"\(fmt(py(y) + 4))\" text-anchor=\"end\">\(Self.label(y, yt))</text>" }
    for x in xt {
      s += "<line x1=\"\(fmt(px(x)))\" x2=\"\(fmt(px(x)))\" y1=\"\(fmt(top + plotH))\" y2=\"\(fmt(top + plotH + 4))\"/>"
      s += "<text x=\"\(fmt(px(x)))\" y=\"\(fmt(top + plotH + 16))\" text-anchor=\"middle\">\(Self.label(x, xt))</text>"
    }
    s += "<text x=\"\(fmt(left + plotW / 2))\" y=\"\(fmt(top + plotH + 32))\" text-anchor=\"middle\" class=\"xlabel\">\(HTML.escape(xLabel))</text></g>"
    // stage boundaries
    // labels that would run into the previous one drop a row
    var rowEnds: [Double] = []
    for m in markers {
      let x = px(m.x), width = Double(m.label.count) * 5.6 + 6
      let row = rowEnds.firstIndex { $0 < x } ?? rowEnds.count
      if row == rowEnds.count { rowEnds.append(0) }
      rowEnds[row] = x + width
      s += "<line class=\"marker\" x1=\"\(fmt(x))\" x2=\"\(fmt(x))\" y1=\"\(fmt(top))\" y2=\"\(fmt(top + plotH))\"/>"
      s += "<text class=\"markerlabel\" x=\"\(fmt(x + 3))\" y=\"\(fmt(top + 10 + 11 * Double(row)))\">\(HTML.escape(m.label))</text>"
    }
    // reference lines (baselines)
    for r in references where r.y.isFinite {
      s += "<line class=\"reference\" x1=\"\(fmt(left))\" x2=\"\(fmt(left + plotW))\" y1=\"\(fmt(py(r.y)))\" y2=\"\(fmt(py(r.y)))\" stroke=\"\(r.color)\" stroke-dasharray=\"6 4\" stroke-width=\"1.2\"><title>\(HTML.escape(r.label))</title></line>"
    }
    // series
    for sr in series {
      let pts = sr.points.filter { $0.x.isFinite && $0.y.isFinite }
      guard !pts.isEmpty else { continue }
      let path = pts.map { "\(fmt(px($0.x))),\(fmt(py($0.y)))" }.joined(separator: " ")
      s += "<polyline fill=\"none\" stroke=\"\(sr.color)\" stroke-width=\"\(fmt(sr.width))\" stroke-opacity=\"\(fmt(sr.opacity))\" points=\"\(path)\"/>"
      let stride = max(1, (pts.count + Self.maxHoverPoints - 1) / Self.maxHoverPoints)
      for (i, p) in pts.enumerated() where sr.dots || pts.count == 1 || i % stride == 0 {
        let title = "<title>\(HTML.escape(hoverText(sr, p)))</title>"
        if sr.dots || pts.count == 1 {
          s += "<circle cx=\"\(fmt(px(p.x)))\" cy=\"\(fmt(py(p.y)))\" r=\"3\" fill=\"\(sr.color)\">\(title)</circle>"
        } else {
          s += "<circle class=\"hover\" cx=\"\(fmt(px(p.x)))\" cy=\"\(fmt(py(p.y)))\" r=\"3\">\(title)</circle>"
        }
      }
    }
    for h in highlights where h.x.isFinite && h.y.isFinite {
      s += "<circle cx=\"\(fmt(px(h.x)))\" cy=\"\(fmt(py(h.y)))\" r=\"6.5\" fill=\"none\" stroke=\"#111\" stroke-width=\"1.5\"><title>\(HTML.escape(h.label))</title></circle>"
    }
    // legend (below the plot, wrapped)
    for (row, entries) in legend.enumerated() {
      let y = self.height + 10 + 16 * Double(row)
      for (sr, lx) in entries {
        s += "<line x1=\"\(fmt(lx))\" x2=\"\(fmt(lx + 14))\" y1=\"\(fmt(y - 4))\" y2=\"\(fmt(y - 4))\" stroke=\"\(sr.color)\" stroke-width=\"2.5\" stroke-opacity=\"\(fmt(max(sr.opacity, 0.6)))\"/>"
        s += "<text x=\"\(fmt(lx + 18))\" y=\"\(fmt(y))\" class=\"legend\">\(HTML.escape(sr.name))</text>"
      }
    }
    return s + "</svg>"
  }

  /// A point's hover text: the series, the x axis's label and value, the value.
  func hoverText(_ sr: Series, _ p: (x: Double, y: Double)) -> String {
    let x = p.x == p.x.rounded() && abs(p.x) < 1e15 ? String(Int(p.x)) : String(format: "%g", p.x)
    let y = abs(p.y) >= 1e-3 || p.y == 0 ? String(format: "%.\(sr.digits)f", p.y) : String(format: "%.3e", p.y)
    return "\(sr.name.isEmpty ? title : sr.name): \(xLabel) \(x), \(y)"
  }

  /// About `count` round tick values (1, 2 or 5 × 10^k apart) covering [lo, hi].
  static func ticks(_ lo: Double, _ hi: Double, count: Int) -> [Double] {
    let raw = (hi - lo) / Double(max(count, 1))
    let magnitude = pow(10, floor(log10(raw)))
    let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
    var t = floor(lo / step) * step
    var out: [Double] = []
    while t <= hi + step * 1e-9 {
      out.append(abs(t) < step * 1e-9 ? 0 : t)
      t += step
    }
    if out.last! < hi { out.append(t) }
    return out
  }

  /// A tick label with as many decimals as the tick spacing needs; thousands as "k".
  static func label(_ v: Double, _ ticks: [Double]) -> String {
    let step = ticks.count > 1 ? abs(ticks[1] - ticks[0]) : max(abs(v), 1)
    if step >= 1000 && abs(v) >= 1000 { return String(format: "%gk", v / 1000) }
    // small values (learning rates) in e-notation; fine steps between large values (0.8957 … 0.8981) in decimals
    if step < 1e-3 && (ticks.map(abs).max() ?? 0) < 1e-2 { return v == 0 ? "0" : String(format: "%.1e", v) }
    let decimals = max(0, Int(-floor(log10(step))))
    return String(format: "%.\(min(decimals, 8))f", v)
  }
}

/// Coordinates with at most two decimals.
func fmt(_ v: Double) -> String {
  let r = (v * 100).rounded() / 100
  return r == r.rounded() ? String(Int(r)) : String(format: "%.2f", r)
}
