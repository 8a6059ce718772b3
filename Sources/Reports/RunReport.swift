import Foundation

/// One self-contained HTML page about one run or several (inline SVG and CSS, nothing fetched):
/// what each run ran on; per stage the loss, learning rate, throughput, gradient norm and
/// in-batch accuracy curves; the evaluation curves across the run with stage boundaries, the
/// evaluation before training as a baseline and the best point; the final metrics; the recipes.
/// Every chart's x axis is the run's global step. Several runs are overlaid, one colour each.
public enum RunReport {
  static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]
  /// The per-step curve drawn under a moving average (lighter than, and distinct from, it).
  static let lightPalette = ["#9ecae1", "#f4a3a3", "#a1d99b", "#cbb7de", "#fdc38d", "#c9a79f", "#f3b6dd", "#9edae5"]

  /// A run as the page names it: its directory's name, numbered when two runs share one.
  struct Run {
    var log: RunLog
    var name: String
    var color: String
    var lightColor: String
  }

  static func runs(_ logs: [RunLog]) -> [Run] {
    let names = logs.map(\.directory.lastPathComponent)
    return logs.enumerated().map { i, log in
      let name = names.filter { $0 == names[i] }.count > 1 ? "\(i + 1): \(names[i])" : names[i]
      return Run(log: log, name: name, color: palette[i % palette.count], lightColor: lightPalette[i % lightPalette.count])
    }
  }

  public static func html(_ log: RunLog) -> String { html([log]) }

  /// The page of one run, or of several overlaid (`logs` must not be empty).
  public static func html(_ logs: [RunLog]) -> String {
    let runs = runs(logs)
    var body = runs.count == 1 ? "<h1>Training report</h1>" : "<h1>Training report: \(runs.count) runs</h1>"
    body += "<p class=\"sub\">\(runs.map { HTML.escape($0.log.directory.path) }.joined(separator: "<br>"))</p>"
    body += metadata(runs)
    body += summary(runs)
    body += finalMetrics(runs)
    body += evaluationSection(runs)
    body += stageSections(runs)
    for r in runs {
      if let recipe = r.log.recipeText {
        body += runs.count == 1
          ? "<h2>Recipe</h2><pre>\(HTML.escape(recipe))</pre>"
          : "<details><summary>Recipe of \(HTML.escape(r.name))</summary><pre>\(HTML.escape(recipe))</pre></details>"
      }
    }
    let title = runs.map { HTML.escape($0.log.directory.lastPathComponent) }.joined(separator: " vs ")
    return """
      <!DOCTYPE html>
      <html lang="en"><head><meta charset="utf-8"><title>Training report: \(title)</title>
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
    .swatch{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:6px;vertical-align:-1px}
    .charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(460px,1fr));gap:10px}
    svg{max-width:100%;height:auto;background:#fff;border:1px solid #eee}
    svg text{font-size:11px;fill:#333}svg .title{font-size:13px;font-weight:600}svg .legend{font-size:11px}
    svg .grid line{stroke:#eee}svg .axis line{stroke:#888}svg .marker{stroke:#999;stroke-dasharray:4 3}
    svg .markerlabel{font-size:10px;fill:#777}svg .empty{fill:#999}
    svg .hover{fill:transparent;stroke:none}svg .hover:hover{fill:#0005}
    pre{background:#f7f7f7;border:1px solid #e5e5e5;padding:10px;font-size:12px;overflow-x:auto}
    details{margin:10px 0}summary{cursor:pointer;font-weight:600}
    """

  static func number(_ v: Double?, _ digits: Int = 4) -> String {
    guard let v, v.isFinite else { return "–" }
    return String(format: "%.\(digits)f", v)
  }

  static func swatch(_ r: Run) -> String { "<span class=\"swatch\" style=\"background:\(r.color)\"></span>\(HTML.escape(r.name))" }

  /// What each run ran on (its run.json): version, CPU, ranks × threads, precision, wall time.
  static func metadata(_ runs: [Run]) -> String {
    guard runs.contains(where: { $0.log.info != nil }) else { return "" }
    var s = "<h2>Run</h2><table><tr><th>run</th><th>trainer</th><th>CPU</th><th>cores</th><th>ranks × threads</th><th>precision</th><th>started</th><th>wall time</th></tr>"
    for r in runs {
      guard let i = r.log.info else {
        s += "<tr><td>\(swatch(r))</td><td colspan=\"7\">no run.json</td></tr>"
        continue
      }
      let ranks = i.ranks.map(String.init) ?? "–", threads = i.threadsPerRank.map(String.init) ?? "–"
      var wall = i.seconds.map(duration) ?? (i.finished == nil ? "not finished" : "–")
      if let from = i.startedAtStep, from > 0 { wall += " (resumed at step \(from))" }
      s += "<tr><td>\(swatch(r))</td><td>\(HTML.escape(i.trainerVersion ?? "–"))</td><td>\(HTML.escape(i.cpu ?? "–"))</td>"
      s += "<td class=\"num\">\(i.cores.map(String.init) ?? "–")</td><td class=\"num\">\(ranks) × \(threads)</td>"
      s += "<td>\(HTML.escape(i.precision ?? "–"))</td><td>\(HTML.escape(i.started ?? "–"))</td><td>\(wall)</td></tr>"
    }
    return s + "</table>"
  }

  static func summary(_ runs: [Run]) -> String {
    var s = "<h2>Summary</h2><table><tr>\(runs.count > 1 ? "<th>run</th>" : "")<th>stage</th><th>steps</th><th>training time</th><th>tokens/s</th><th>first loss</th><th>last loss</th></tr>"
    for r in runs {
      for st in r.log.stages {
        let seconds = st.steps.reduce(0) { $0 + $1.seconds }
        let tokens = st.steps.reduce(0.0) { $0 + $1.tokensPerSecond * $1.seconds }
        s += "<tr>\(runs.count > 1 ? "<td>\(swatch(r))</td>" : "")<td>\(HTML.escape(st.name))</td><td class=\"num\">\(st.steps.last!.step)/\(st.steps.last!.stageSteps)</td>"
        s += "<td class=\"num\">\(duration(seconds))</td><td class=\"num\">\(String(format: "%.0f", tokens / max(seconds, 1e-9)))</td>"
        s += "<td class=\"num\">\(number(st.steps.first!.loss))</td><td class=\"num\">\(number(st.steps.last!.loss))</td></tr>"
      }
    }
    s += "</table>"
    for r in runs {
      let log = r.log
      let timed = log.evaluations.compactMap(\.seconds)
      s += "<p>\(runs.count > 1 ? swatch(r) + ": " : "")\(log.steps.count) steps in \(duration(log.steps.reduce(0) { $0 + $1.seconds })) of training; \(log.evaluations.count) evaluations"
      s += timed.count == log.evaluations.count ? " in \(duration(timed.reduce(0, +))).</p>" : ".</p>"
      if let best = log.evaluations.last(where: \.best) {
        s += "<p>Best checkpoint: step \(best.globalStep) (<code>checkpoints/step-\(String(format: "%07d", best.globalStep))</code>, linked as <code>checkpoints/best</code>), \(HTML.escape(best.name)) \(HTML.escape(best.mainMetric)) \(number(best.main))"
        if let base = log.evaluations.first(where: { $0.isBaseline && $0.name == best.name }) {
          s += "; before training \(number(base.main))"
        }
        s += ".</p>"
      }
    }
    return s
  }

  static func duration(_ seconds: Double) -> String {
    if seconds >= 3600 { return String(format: "%d h %02d min", Int(seconds) / 3600, Int(seconds) % 3600 / 60) }
    return seconds >= 60 ? String(format: "%d min %02d s", Int(seconds) / 60, Int(seconds) % 60) : String(format: "%.1f s", seconds)
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
