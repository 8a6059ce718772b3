import Foundation

/// One self-contained HTML page about a run (inline SVG and CSS, nothing fetched): per stage the
/// loss, learning rate, throughput, gradient norm and in-batch accuracy curves; the evaluation
/// curves across the run with stage boundaries and the best point; the final metrics; the recipe.
public enum RunReport {
  static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]

  public static func html(_ log: RunLog) -> String {
    let stages = log.stages
    var body = "<h1>Training report</h1>"
    body += "<p class=\"sub\">\(HTML.escape(log.directory.path))</p>"
    body += summary(log, stages)
    body += finalMetrics(log)
    body += evaluationSection(log, stages)
    for (i, st) in stages.enumerated() { body += stageSection(i, st.name, st.steps) }
    if let recipe = log.recipeText { body += "<h2>Recipe</h2><pre>\(HTML.escape(recipe))</pre>" }
    return """
      <!DOCTYPE html>
      <html lang="en"><head><meta charset="utf-8"><title>Training report: \(HTML.escape(log.directory.lastPathComponent))</title>
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <style>\(css)</style></head><body>\(body)</body></html>

      """
  }

  static let css = """
    body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;margin:24px auto;max-width:1000px;color:#1b1b1b;padding:0 16px}
    h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 10px;border-bottom:1px solid #ddd;padding-bottom:4px}
    h3{font-size:15px;margin:16px 0 6px}.sub{color:#666;margin:0 0 16px;font-size:13px}
    table{border-collapse:collapse;font-size:13px;margin:6px 0 12px}th,td{border:1px solid #ddd;padding:4px 10px;text-align:left}
    td.num{text-align:right;font-variant-numeric:tabular-nums}th{background:#f5f5f5}tr.best td{font-weight:600}
    .charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(460px,1fr));gap:10px}
    svg{max-width:100%;height:auto;background:#fff;border:1px solid #eee}
    svg text{font-size:11px;fill:#333}svg .title{font-size:13px;font-weight:600}svg .legend{font-size:11px}
    svg .grid line{stroke:#eee}svg .axis line{stroke:#888}svg .marker{stroke:#999;stroke-dasharray:4 3}
    svg .markerlabel{font-size:10px;fill:#777}svg .empty{fill:#999}
    pre{background:#f7f7f7;border:1px solid #e5e5e5;padding:10px;font-size:12px;overflow-x:auto}
    """

  static func number(_ v: Double?, _ digits: Int = 4) -> String {
    guard let v, v.isFinite else { return "–" }
    return String(format: "%.\(digits)f", v)
  }

  static func summary(_ log: RunLog, _ stages: [(name: String, steps: [RunLog.Step])]) -> String {
    var s = "<h2>Summary</h2><table><tr><th>stage</th><th>steps</th><th>training time</th><th>tokens/s</th><th>first loss</th><th>last loss</th></tr>"
    for st in stages {
      let seconds = st.steps.reduce(0) { $0 + $1.seconds }
      let tokens = st.steps.reduce(0.0) { $0 + $1.tokensPerSecond * $1.seconds }
      let planned = st.steps.last!.stageSteps
      s += "<tr><td>\(HTML.escape(st.name))</td><td class=\"num\">\(st.steps.last!.step)/\(planned)</td>"
      s += "<td class=\"num\">\(duration(seconds))</td><td class=\"num\">\(String(format: "%.0f", tokens / max(seconds, 1e-9)))</td>"
      s += "<td class=\"num\">\(number(st.steps.first!.loss))</td><td class=\"num\">\(number(st.steps.last!.loss))</td></tr>"
    }
    let timed = log.evaluations.compactMap(\.seconds)
    s += "</table><p>\(log.steps.count) steps in \(duration(log.steps.reduce(0) { $0 + $1.seconds })) of training; \(log.evaluations.count) evaluations"
    s += timed.count == log.evaluations.count ? " in \(duration(timed.reduce(0, +))).</p>" : ".</p>"
    if let best = log.evaluations.last(where: \.best) {
      s += "<p>Best checkpoint: step \(best.globalStep) (<code>checkpoints/step-\(String(format: "%07d", best.globalStep))</code>, linked as <code>checkpoints/best</code>), \(HTML.escape(best.name)) \(HTML.escape(best.mainMetric)) \(number(best.main)).</p>"
    }
    return s
  }

  static func duration(_ seconds: Double) -> String {
    seconds >= 60 ? String(format: "%d min %02d s", Int(seconds) / 60, Int(seconds) % 60) : String(format: "%.1f s", seconds)
  }

  /// The sets evaluated at the end, all their metrics; without any, the last evaluation of each set.
  static func finalMetrics(_ log: RunLog) -> String {
    var chosen = log.evaluations.filter { $0.stage == "final" }
    if chosen.isEmpty {
      var last: [String: RunLog.Evaluation] = [:]
      for e in log.evaluations { last[e.name] = e }
      chosen = log.evaluations.filter { last[$0.name]?.globalStep == $0.globalStep && last[$0.name]?.stage == $0.stage }
    }
    guard !chosen.isEmpty else { return "" }
    var s = "<h2>Final metrics</h2>"
    for e in chosen {
      s += "<h3>\(HTML.escape(e.name)) <span class=\"sub\">(\(e.stage == "final" ? "at the end" : "after " + HTML.escape(e.stage)), step \(e.globalStep))</span></h3>"
      s += "<table><tr><th>metric</th><th>value</th></tr>"
      for m in e.metrics { s += "<tr\(m.name == e.mainMetric ? " class=\"best\"" : "")><td>\(HTML.escape(m.name))</td><td class=\"num\">\(number(m.value))</td></tr>" }
      s += "</table>"
    }
    return s
  }

  static func evaluationSection(_ log: RunLog, _ stages: [(name: String, steps: [RunLog.Step])]) -> String {
    let during = log.evaluations.filter { $0.stage != "final" }
    guard !during.isEmpty else { return "" }
    var s = "<h2>Evaluation during training</h2><div class=\"charts\">"
    let markers = stageMarkers(stages)
    var names: [String] = []
    for e in during where !names.contains(e.name) { names.append(e.name) }
    // one chart per main metric (sets sharing a metric share a chart)
    var metrics: [String] = []
    for e in during where !metrics.contains(e.mainMetric) { metrics.append(e.mainMetric) }
    for metric in metrics {
      var series: [SVGChart.Series] = []
      for (i, name) in names.enumerated() {
        let pts = during.filter { $0.name == name && $0.mainMetric == metric }.compactMap { e in e.main.map { (x: Double(e.globalStep), y: $0) } }
        if !pts.isEmpty { series.append(.init(name: name, points: pts, color: palette[i % palette.count], dots: true, width: 2)) }
      }
      let best = during.filter { $0.best && $0.mainMetric == metric }.last
      let highlights = best.flatMap { b in b.main.map { [(x: Double(b.globalStep), y: $0, label: "best: \(b.name) \(metric) \(number($0))")] } } ?? []
      let lastStep = Double(log.steps.last?.globalStep ?? during.last!.globalStep)
      s += SVGChart(title: metric, xLabel: "step", series: series, markers: markers, highlights: highlights, xDomain: 0...lastStep).render()
    }
    s += "</div><table><tr><th>set</th><th>after</th><th>step</th><th>metric</th><th>value</th><th>time</th></tr>"
    for e in log.evaluations {
      s += "<tr\(e.best ? " class=\"best\"" : "")><td>\(HTML.escape(e.name))</td><td>\(HTML.escape(e.stage))</td><td class=\"num\">\(e.globalStep)</td>"
      s += "<td>\(HTML.escape(e.mainMetric))\(e.best ? " (best so far)" : "")</td><td class=\"num\">\(number(e.main))</td><td class=\"num\">\(e.seconds.map { String(format: "%.1f s", $0) } ?? "–")</td></tr>"
    }
    return s + "</table>"
  }

  /// A dashed line where each stage after the first begins.
  static func stageMarkers(_ stages: [(name: String, steps: [RunLog.Step])]) -> [SVGChart.Marker] {
    stages.dropFirst().map { .init(x: Double($0.steps.first!.globalStep - 1), label: $0.name) }
  }

  static func stageSection(_ index: Int, _ name: String, _ steps: [RunLog.Step]) -> String {
    var s = "<h2>Stage \(index + 1): \(HTML.escape(name))</h2><div class=\"charts\">"
    func pts(_ f: (RunLog.Step) -> Double?) -> [(x: Double, y: Double)] {
      steps.compactMap { st in f(st).map { (x: Double(st.step), y: $0) } }
    }
    let loss = pts { $0.loss }
    s += SVGChart(title: "loss", xLabel: "step in stage", series: [
      .init(name: "per step", points: loss, color: palette[0], width: 1, opacity: 0.35),
      .init(name: "moving average", points: movingAverage(loss, window: max(1, steps.count / 15)), color: palette[0], width: 2),
    ]).render()
    s += SVGChart(title: "learning rate", xLabel: "step in stage", series: [.init(name: "", points: pts { $0.lr }, color: palette[2])]).render()
    let tps = pts { $0.tokensPerSecond }
    s += SVGChart(title: "throughput (tokens/s)", xLabel: "step in stage", series: [
      .init(name: "per step", points: tps, color: palette[3], width: 1, opacity: 0.35),
      .init(name: "moving average", points: movingAverage(tps, window: max(1, steps.count / 15)), color: palette[3], width: 2),
    ]).render()
    s += SVGChart(title: "gradient norm (before clipping)", xLabel: "step in stage", series: [.init(name: "", points: pts { $0.gradNorm }, color: palette[4])]).render()
    if steps.contains(where: { $0.accuracy != nil }) {
      s += SVGChart(title: "in-batch top-1 accuracy", xLabel: "step in stage", series: [.init(name: "", points: pts { $0.accuracy }, color: palette[1])]).render()
    }
    if steps.contains(where: { $0.positiveSimilarity != nil }) {
      s += SVGChart(title: "similarity", xLabel: "step in stage", series: [
        .init(name: "positive", points: pts { $0.positiveSimilarity }, color: palette[2]),
        .init(name: "hardest negative", points: pts { $0.hardestNegativeSimilarity }, color: palette[1]),
      ]).render()
    }
    return s + "</div>"
  }

  /// Trailing mean over `window` points.
  static func movingAverage(_ p: [(x: Double, y: Double)], window: Int) -> [(x: Double, y: Double)] {
    var out: [(x: Double, y: Double)] = []
    var sum = 0.0
    for (i, q) in p.enumerated() {
      sum += q.y
      if i >= window { sum -= p[i - window].y }
      out.append((q.x, sum / Double(min(i + 1, window))))
    }
    return out
  }
}
