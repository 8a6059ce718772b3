/// The report's per-stage charts: loss, learning rate, throughput, gradient norm, in-batch
/// accuracy and similarities, against the run's global step; several runs overlaid (a colour
/// per run) for each stage name they share.
extension RunReport {
  static func stageSections(_ runs: [Run]) -> String {
    var names: [String] = []
    for r in runs { for st in r.log.stages where !names.contains(st.name) { names.append(st.name) } }
    var s = ""
    for (i, name) in names.enumerated() {
      let perRun = runs.compactMap { r in r.log.stages.first { $0.name == name }.map { (run: r, steps: $0.steps) } }
      s += "<h2>Stage \(i + 1): \(HTML.escape(name))</h2><div class=\"charts\">"
      s += stageCharts(perRun, overlay: runs.count > 1)
      s += "</div>"
    }
    return s
  }

  static func stageCharts(_ perRun: [(run: Run, steps: [RunLog.Step])], overlay: Bool) -> String {
    func pts(_ steps: [RunLog.Step], _ f: (RunLog.Step) -> Double?) -> [(x: Double, y: Double)] {
      steps.compactMap { st in f(st).map { (x: Double(st.globalStep), y: $0) } }
    }
    /// A noisy per-step curve, light, under its moving average.
    func smoothed(_ f: (RunLog.Step) -> Double?, colorIndex: Int) -> [SVGChart.Series] {
      perRun.flatMap { r, steps -> [SVGChart.Series] in
        let p = pts(steps, f)
        let avg = movingAverage(p, window: max(1, steps.count / 15))
        let light = overlay ? r.lightColor : lightPalette[colorIndex], dark = overlay ? r.color : palette[colorIndex]
        return [
          .init(name: overlay ? "" : "per step", points: p, color: light, width: 1),
          .init(name: overlay ? r.name : "moving average", points: avg, color: dark, width: 2),
        ]
      }
    }
    func plain(_ f: (RunLog.Step) -> Double?, colorIndex: Int, digits: Int = 4) -> [SVGChart.Series] {
      perRun.map { r, steps in
        .init(name: overlay ? r.name : "", points: pts(steps, f), color: overlay ? r.color : palette[colorIndex], digits: digits)
      }
    }
    var s = SVGChart(title: "loss", xLabel: "step", series: smoothed({ $0.loss }, colorIndex: 0)).render()
    s += sourceLossChart(perRun, overlay: overlay)
    s += SVGChart(title: "learning rate", xLabel: "step", series: plain({ $0.lr }, colorIndex: 2, digits: 8)).render()
    s += SVGChart(title: "throughput (tokens/s)", xLabel: "step", series: smoothed({ $0.tokensPerSecond }, colorIndex: 3)).render()
    s += SVGChart(title: "gradient norm (before clipping)", xLabel: "step", series: plain({ $0.gradNorm }, colorIndex: 4)).render()
    let all = perRun.flatMap(\.steps)
    if all.contains(where: { $0.accuracy != nil }) {
      s += SVGChart(title: "in-batch top-1 accuracy", xLabel: "step", series: plain({ $0.accuracy }, colorIndex: 1)).render()
    }
    if all.contains(where: { $0.positiveSimilarity != nil }) {
      let series: [SVGChart.Series] = perRun.flatMap { r, steps -> [SVGChart.Series] in
        let prefix = overlay ? r.name + ": " : ""
        return [
          .init(name: prefix + "positive", points: pts(steps) { $0.positiveSimilarity }, color: overlay ? r.color : palette[2]),
          .init(name: prefix + "hardest negative", points: pts(steps) { $0.hardestNegativeSimilarity }, color: overlay ? r.lightColor : palette[1]),
        ]
      }
      s += SVGChart(title: "similarity", xLabel: "step", series: series).render()
    }
    return s
  }

  /// Stages whose batches come from one of several sources: each source's loss as a curve of
  /// its own (its moving average; every point's value on hover), a colour per source (runs
  /// overlaid name theirs before the source). Empty for other stages.
  static func sourceLossChart(_ perRun: [(run: Run, steps: [RunLog.Step])], overlay: Bool) -> String {
    var sources: [String] = []
    for (_, steps) in perRun { for st in steps { if let src = st.source, !sources.contains(src) { sources.append(src) } } }
    guard !sources.isEmpty else { return "" }
    let series = perRun.flatMap { r, steps -> [SVGChart.Series] in
      sources.enumerated().compactMap { j, src -> SVGChart.Series? in
        let p = steps.filter { $0.source == src }.map { (x: Double($0.globalStep), y: $0.loss) }
        guard !p.isEmpty else { return nil }
        let avg = movingAverage(p, window: max(1, p.count / 15))
        return .init(
          name: overlay ? "\(r.name): \(src)" : src, points: avg, color: palette[j % palette.count], width: 2)
      }
    }
    return SVGChart(title: "loss by source", xLabel: "step", series: series).render()
  }
}
