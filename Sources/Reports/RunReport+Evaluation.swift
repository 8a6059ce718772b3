/// The report's evaluation parts: the final metrics, and the curves and table of the
/// evaluations during training (the evaluation before training drawn as a baseline).
extension RunReport {
  /// Each run's sets evaluated at the end, all their metrics (a column per run); without any,
  /// the last evaluation of each set.
  static func finalMetrics(_ runs: [Run]) -> String {
    let chosen: [[RunLog.Evaluation]] = runs.map { r in
      let log = r.log
      let final = log.evaluations.filter { $0.stage == "final" }
      if !final.isEmpty { return final }
      var last: [String: RunLog.Evaluation] = [:]
      for e in log.evaluations { last[e.name] = e }
      return log.evaluations.filter { last[$0.name]?.globalStep == $0.globalStep && last[$0.name]?.stage == $0.stage }
    }
    guard chosen.contains(where: { !$0.isEmpty }) else { return "" }
    var names: [String] = []
    for e in chosen.joined() where !names.contains(e.name) { names.append(e.name) }
    var s = "<h2>Final metrics</h2>"
    for name in names {
      let perRun = chosen.map { $0.first { $0.name == name } }
      guard let first = perRun.compactMap({ $0 }).first else { continue }
      let when = first.stage == "final" ? "at the end" : "after " + HTML.escape(first.stage)
      s += "<h3>\(HTML.escape(name)) <span class=\"sub\">(\(when)\(runs.count == 1 ? ", step \(first.globalStep)" : ""))</span></h3>"
      s += "<table><tr><th>metric</th>\(runs.count == 1 ? "<th>value</th>" : runs.map { "<th>\(swatch($0))</th>" }.joined())</tr>"
      var metricNames: [String] = []
      for e in perRun.compactMap({ $0 }) { for m in e.metrics where !metricNames.contains(m.name) { metricNames.append(m.name) } }
      metricNames.sort { RunLog.order($0) < RunLog.order($1) }
      for m in metricNames {
        s += "<tr\(m == first.mainMetric ? " class=\"best\"" : "")><td>\(HTML.escape(m))</td>"
        for e in perRun { s += "<td class=\"num\">\(number(e?.metrics.first { $0.name == m }?.value ?? nil))</td>" }
        s += "</tr>"
      }
      s += "</table>"
    }
    return s
  }

  static func evaluationSection(_ runs: [Run]) -> String {
    let during = runs.map { r in r.log.evaluations.filter { $0.stage != "final" } }
    guard during.contains(where: { !$0.isEmpty }) else { return "" }
    var s = "<h2>Evaluation during training</h2><div class=\"charts\">"
    var names: [String] = [], metrics: [String] = []
    for e in during.joined() {
      if !names.contains(e.name) { names.append(e.name) }
      if !metrics.contains(e.mainMetric) { metrics.append(e.mainMetric) }
    }
    // one chart per main metric (sets sharing a metric share a chart); a colour per run and set
    for metric in metrics {
      var series: [SVGChart.Series] = [], references: [SVGChart.Reference] = [], highlights: [(x: Double, y: Double, label: String)] = []
      var colour = 0
      for (r, run) in runs.enumerated() {
        for name in names {
          let evals = during[r].filter { $0.name == name && $0.mainMetric == metric }
          let pts = evals.compactMap { e in e.main.map { (x: Double(e.globalStep), y: $0) } }
          guard !pts.isEmpty else { continue }
          let color = runs.count == 1 ? palette[colour % palette.count] : (names.count == 1 ? run.color : palette[colour % palette.count])
          colour += 1
          let label = runs.count == 1 ? name : names.count == 1 ? run.name : "\(run.name): \(name)"
          series.append(.init(name: label, points: pts, color: color, dots: true, width: 2))
          if let base = evals.first(where: \.isBaseline), let v = base.main {
            references.append(.init(y: v, color: color, label: "\(label) before training (step 0): \(metric) \(number(v))"))
          }
        }
        if let b = during[r].last(where: { $0.best && $0.mainMetric == metric }), let v = b.main {
          highlights.append((x: Double(b.globalStep), y: v, label: "best\(runs.count > 1 ? " of " + run.name : ""): \(b.name) \(metric) \(number(v)) at step \(b.globalStep)"))
        }
      }
      let lastStep = runs.map { r in Double(r.log.steps.last?.globalStep ?? r.log.evaluations.last?.globalStep ?? 0) }.max() ?? 0
      s += SVGChart(
        title: metric + (references.isEmpty ? "" : " (dashed: before training)"), xLabel: "step", series: series,
        markers: runs.count == 1 ? stageMarkers(runs[0].log.stages) : [], highlights: highlights, references: references,
        xDomain: 0...max(lastStep, 1)
      ).render()
    }
    s += "</div><table><tr>\(runs.count > 1 ? "<th>run</th>" : "")<th>set</th><th>after</th><th>step</th><th>metric</th><th>value</th><th>time</th></tr>"
    for r in runs {
      for e in r.log.evaluations {
        let after = e.isBaseline ? "(before training)" : HTML.escape(e.stage)
        s += "<tr\(e.best ? " class=\"best\"" : "")>\(runs.count > 1 ? "<td>\(swatch(r))</td>" : "")<td>\(HTML.escape(e.name))</td><td>\(after)</td><td class=\"num\">\(e.globalStep)</td>"
        s += "<td>\(HTML.escape(e.mainMetric))\(e.best ? " (best so far)" : "")</td><td class=\"num\">\(number(e.main))</td><td class=\"num\">\(e.seconds.map { String(format: "%.1f s", $0) } ?? "–")</td></tr>"
      }
    }
    return s + "</table>"
  }

  /// A dashed line where each stage after the first begins.
  static func stageMarkers(_ stages: [(name: String, steps: [RunLog.Step])]) -> [SVGChart.Marker] {
    stages.dropFirst().map { .init(x: Double($0.steps.first!.globalStep - 1), label: $0.name) }
  }
}
