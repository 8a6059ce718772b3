import Foundation
import TestSupport
import Testing

@testable import Reports

/// The HTML report from a run directory: every chart present and drawn, the best evaluation
/// and final metrics shown, the recipe escaped, and clear errors for what is not a run.
@Suite struct RunReportTests {
  func runDirectory(metrics: String, recipe: String? = nil) throws -> URL {
    let dir = Fixtures.temporaryDirectory()
    try metrics.write(to: dir.appendingPathComponent("metrics.jsonl"), atomically: true, encoding: .utf8)
    if let recipe { try recipe.write(to: dir.appendingPathComponent("recipe.yaml"), atomically: true, encoding: .utf8) }
    return dir
  }

  /// Two stages as trainer run writes them: InfoNCE steps (with accuracy and similarities),
  /// CoSENT steps, evaluations during training (one of them the best) and a final one.
  var sampleMetrics: String {
    var lines: [String] = []
    for i in 1...20 {
      lines.append(#"{"accuracy":0.\#(5 + i % 4),"epoch":0,"global_step":\#(i),"grad_norm":\#(5 + i % 3),"hardest_negative_similarity":0.6,"loss":\#(3.0 / Double(i)),"lr":\#(2e-5 * Double(i) / 20),"positive_similarity":0.8,"seconds":2.5,"stage":"nli","stage_steps":20,"step":\#(i),"tokens":2000,"tokens_per_second":\#(800 + i)}"#)
    }
    lines.append(#"{"eval":"dev","global_step":20,"main_metric":"spearman_cosine","pearson_cosine":0.81,"seconds":9.5,"spearman_cosine":0.79,"stage":"nli"}"#)
    for i in 1...10 {
      lines.append(#"{"epoch":0,"global_step":\#(20 + i),"grad_norm":3,"loss":\#(6.0 - Double(i) / 10),"lr":1e-5,"seconds":1.5,"stage":"sts","stage_steps":10,"step":\#(i),"tokens":1500,"tokens_per_second":900}"#)
    }
    lines.append(#"{"best":true,"eval":"dev","global_step":30,"main_metric":"spearman_cosine","pearson_cosine":0.86,"seconds":9.1,"spearman_cosine":0.85,"stage":"sts"}"#)
    lines.append(#"{"eval":"test","global_step":30,"main_metric":"spearman_cosine","pearson_dot":0.8,"pearson_cosine":0.82,"seconds":8.2,"spearman_cosine":0.8135,"spearman_dot":null,"stage":"final"}"#)
    return lines.joined(separator: "\n") + "\n"
  }

  /// Numbers a run wrote as null (not finite: an infinite learning rate, a NaN loss or
  /// evaluation time) read as NaN and are left out of the charts; a step number that is not a
  /// whole number is an error naming the line.
  @Test func nullNumbersReadAsNaN() throws {
    let dir = try runDirectory(metrics: """
      {"epoch":0,"global_step":1,"grad_norm":1,"loss":2,"lr":1e-5,"seconds":1,"stage":"s","stage_steps":2,"step":1,"tokens":5,"tokens_per_second":5}
      {"epoch":0,"global_step":2,"grad_norm":null,"loss":null,"lr":null,"seconds":1,"stage":"s","stage_steps":2,"step":2,"tokens":5,"tokens_per_second":5}
      {"eval":"dev","global_step":2,"main_metric":"spearman_cosine","seconds":null,"spearman_cosine":null,"stage":"s"}

      """)
    defer { try? FileManager.default.removeItem(at: dir) }
    let log = try RunLog.read(directory: dir.path)
    #expect(log.steps.count == 2 && log.steps[1].loss.isNaN && log.steps[1].lr.isNaN && log.steps[1].gradNorm.isNaN)
    #expect(log.evaluations[0].main == nil)
    let html = RunReport.html(log)
    #expect(!html.contains("nan") && !html.contains("inf"))
    let bad = try runDirectory(metrics: #"{"epoch":0,"global_step":1e300,"grad_norm":1,"loss":2,"lr":1,"seconds":1,"stage":"s","stage_steps":2,"step":1,"tokens":5,"tokens_per_second":5}"# + "\n")
    defer { try? FileManager.default.removeItem(at: bad) }
    #expect { try RunLog.read(directory: bad.path) } throws: { "\($0)".contains(":1: expected a whole number under \"global_step\"") }
  }

  @Test func reportShowsEveryCurveTheBestAndTheFinalMetrics() throws {
    let dir = try runDirectory(metrics: sampleMetrics, recipe: "model: {base: <models>}\n# a & b\n")
    let log = try RunLog.read(directory: dir.path)
    #expect(log.steps.count == 30 && log.evaluations.count == 3 && log.stages.map(\.name) == ["nli", "sts"])
    let html = RunReport.html(log)
    // stage 1: loss, lr, throughput, gradient norm, accuracy, similarities; stage 2: the first four; evaluation: one
    #expect(html.components(separatedBy: "<svg ").count - 1 == 11)
    #expect(!html.contains("no data") && !html.contains("nan") && !html.contains("inf"))
    #expect(html.contains("Stage 1: nli") && html.contains("Stage 2: sts"))
    #expect(html.contains("<tr class=\"best\"><td>dev</td><td>sts</td><td class=\"num\">30</td>"))
    #expect(html.contains("Best checkpoint: step 30") && html.contains("<code>checkpoints/step-0000030</code>"))
    // final metrics in sentence-transformers' order; a null value shows as a dash
    let final = html.components(separatedBy: "<h2>Final metrics</h2>")[1].components(separatedBy: "</table>")[0]
    #expect(final.contains("test") && final.contains("0.8135"))
    let order = ["pearson_cosine", "spearman_cosine", "pearson_dot", "spearman_dot"].map { final.range(of: $0)!.lowerBound }
    #expect(order == order.sorted())
    #expect(final.contains("<td>spearman_dot</td><td class=\"num\">–</td>"))
    // the recipe is escaped, nothing is fetched
    #expect(html.contains("&lt;models&gt;") && html.contains("# a &amp; b"))
    #expect(!html.contains("http://") || html.components(separatedBy: "http://").dropFirst().allSatisfy { $0.hasPrefix("www.w3.org/2000/svg") })
    #expect(!html.contains("https://") && !html.contains("<script"))
  }

  @Test func aCrossEncodersSpearmanIsItsMainMetric() throws {
    let metrics = #"{"epoch":0,"global_step":1,"grad_norm":1,"loss":0.7,"lr":1e-5,"seconds":1,"stage":"pairs","stage_steps":1,"step":1,"tokens":90,"tokens_per_second":90,"accuracy":0.5}"#
      + "\n" + #"{"best":true,"eval":"sts","global_step":1,"main_metric":"spearman","pearson":0.8,"seconds":2,"spearman":0.819,"stage":"pairs"}"# + "\n"
    let log = try RunLog.read(directory: try runDirectory(metrics: metrics).path)
    #expect(log.evaluations[0].metrics.map(\.name) == ["pearson", "spearman"])
    #expect(RunReport.html(log).contains("sts spearman 0.8190"))
  }

  @Test func ticksAreRoundAndCoverTheRange() {
    let t = SVGChart.ticks(0.783, 0.851, count: 5)
    #expect(t.first! <= 0.783 && t.last! >= 0.851 && t.count >= 4 && t.count <= 9)
    let steps = zip(t.dropFirst(), t).map { $0 - $1 }
    #expect(steps.allSatisfy { abs($0 - 0.02) < 1e-12 })
    #expect(SVGChart.label(2e-5, [0, 1e-5, 2e-5]) == "2.0e-05")
    #expect(SVGChart.label(150, [0, 50, 100, 150]) == "150" && SVGChart.label(0.85, [0.8, 0.85, 0.9]) == "0.85")
    // a fine step between values near 0.9 keeps its decimals (it printed 9.0e-01 for every tick)
    #expect(SVGChart.label(0.8965, [0.896, 0.8965, 0.897]) == "0.8965")
  }

  @Test func notARunDirectoryOrABrokenLineIsAClearError() throws {
    let empty = Fixtures.temporaryDirectory()
    let e1 = #expect(throws: ReportError.self) { try RunLog.read(directory: empty.path) }
    #expect("\(e1!)".contains("metrics.jsonl") && "\(e1!)".contains("trainer run"))
    let broken = try runDirectory(metrics: sampleMetrics + "{\"stage\": \"x\"\n")
    let e2 = #expect(throws: ReportError.self) { try RunLog.read(directory: broken.path) }
    #expect("\(e2!)".contains("metrics.jsonl:34") && "\(e2!)".contains("not a JSON object"))
    let missing = try runDirectory(metrics: #"{"stage":"x","step":1}"# + "\n")
    let e3 = #expect(throws: ReportError.self) { try RunLog.read(directory: missing.path) }
    #expect("\(e3!)".contains("metrics.jsonl:1") && "\(e3!)".contains("\"stage_steps\""))
  }
}
