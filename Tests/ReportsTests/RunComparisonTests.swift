import Foundation
import TestSupport
import Testing

@testable import Reports

/// The report's baseline, hover values, run metadata and the overlay of several runs.
@Suite struct RunComparisonTests {
  /// A run of two stages: a baseline evaluation at step 0, 6 steps, an evaluation after each stage, a final one.
  func run(_ name: String, dev: [Double], final: Double, info: String? = nil) throws -> URL {
    let dir = Fixtures.temporaryDirectory().appendingPathComponent(name)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    var lines = [#"{"eval":"dev","global_step":0,"main_metric":"spearman_cosine","seconds":1,"spearman_cosine":\#(dev[0]),"stage":"baseline"}"#]
    for i in 1...6 {
      let stage = i <= 3 ? "nli" : "sts"
      lines.append(#"{"epoch":0,"global_step":\#(i),"grad_norm":2,"loss":\#(2.0 / Double(i)),"lr":1e-5,"seconds":1,"stage":"\#(stage)","stage_steps":3,"step":\#((i - 1) % 3 + 1),"tokens":100,"tokens_per_second":100}"#)
      if i % 3 == 0 {
        lines.append(#"{"eval":"dev","global_step":\#(i),"main_metric":"spearman_cosine","seconds":1,"spearman_cosine":\#(dev[i / 3]),"stage":"\#(stage)"}"#)
      }
    }
    lines.append(#"{"eval":"test","global_step":6,"main_metric":"spearman_cosine","pearson_cosine":0.7,"seconds":1,"spearman_cosine":\#(final),"stage":"final"}"#)
    try (lines.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("metrics.jsonl"), atomically: true, encoding: .utf8)
    if let info { try info.write(to: dir.appendingPathComponent("run.json"), atomically: true, encoding: .utf8) }
    return dir
  }

  let info = """
    {"cores": 2, "cpu": "Test CPU @ 2.0GHz", "finished": "2026-12-03T14:00:00Z", "precision": "fp32", "ranks": 2,
     "seconds": 503.2, "started": "2026-12-03T13:51:37Z", "started_at_step": 0, "threads_per_rank": 1, "trainer_version": "0.1.0"}
    """

  @Test func theBaselineIsDrawnAndEveryPointHasAHoverTitle() throws {
    let log = try RunLog.read(directory: try run("a", dev: [0.70, 0.78, 0.81], final: 0.8, info: info).path)
    #expect(log.evaluations.first?.isBaseline == true && log.info?.cpu == "Test CPU @ 2.0GHz" && log.info?.seconds == 503.2)
    let html = RunReport.html(log)
    // the baseline: a dashed line at its value, titled, and the point at step 0 of the curve
    #expect(html.contains("class=\"reference\"") && html.contains("<title>dev before training (step 0): spearman_cosine 0.7000</title>"))
    #expect(html.contains("<title>dev: step 0, 0.7000</title>") && html.contains("<title>dev: step 6, 0.8100</title>"))
    #expect(html.contains("<td>(before training)</td>"))
    // stage charts against the global step: the second stage's first loss point is step 4
    #expect(html.contains("<title>per step: step 4, 0.5000</title>"))
    #expect(!html.contains("step in stage"))
    // the run's metadata
    #expect(html.contains("Test CPU @ 2.0GHz") && html.contains("2 × 1") && html.contains("fp32") && html.contains("8 min 23 s"))
    // the two legend entries of the loss and throughput charts differ in colour (2 charts × 2 stages)
    let legend = html.components(separatedBy: "class=\"legend\">per step").count - 1
    #expect(legend == 4 && html.contains(RunReport.lightPalette[0]) && html.contains(RunReport.palette[0]))
  }

  @Test func twoRunsAreOverlaidWithALegendEntryEach() throws {
    let a = try run("base-lr", dev: [0.70, 0.78, 0.81], final: 0.80, info: info)
    let b = try run("high-lr", dev: [0.70, 0.75, 0.84], final: 0.83)
    let html = RunReport.html([try RunLog.read(directory: a.path), try RunLog.read(directory: b.path)])
    #expect(html.contains("Training report: 2 runs"))
    // one evaluation chart with a curve per run, in the runs' colours, and both baselines
    #expect(html.contains("<title>base-lr: step 6, 0.8100</title>") && html.contains("<title>high-lr: step 6, 0.8400</title>"))
    #expect(html.contains("stroke=\"\(RunReport.palette[0])\"") && html.contains("stroke=\"\(RunReport.palette[1])\""))
    #expect(html.contains("base-lr before training (step 0)") && html.contains("high-lr before training (step 0)"))
    // the final metrics side by side, a column per run
    let final = html.components(separatedBy: "<h2>Final metrics</h2>")[1].components(separatedBy: "</table>")[0]
    #expect(final.contains("0.8000") && final.contains("0.8300") && final.contains("base-lr") && final.contains("high-lr"))
    // the metadata table names the run without run.json
    #expect(html.contains("no run.json"))
    // the loss chart of each stage holds both runs
    let nli = html.components(separatedBy: "<h2>Stage 1: nli</h2>")[1].components(separatedBy: "</svg>")[0]
    #expect(nli.contains("class=\"legend\">base-lr") && nli.contains("class=\"legend\">high-lr"))
  }

  @Test func runsOfTheSameNameAreNumbered() throws {
    let a = try run("out", dev: [0.7, 0.8, 0.9], final: 0.8)
    let b = try run("out", dev: [0.7, 0.8, 0.9], final: 0.8)
    let names = RunReport.runs([try RunLog.read(directory: a.path), try RunLog.read(directory: b.path)]).map(\.name)
    #expect(names == ["1: out", "2: out"])
  }

  @Test func aDamagedRunJSONIsAnError() throws {
    let dir = try run("bad", dev: [0.7, 0.8, 0.9], final: 0.8, info: "{not json")
    #expect { try RunLog.read(directory: dir.path) } throws: { "\($0)".contains("run.json") && "\($0)".contains("not a JSON object") }
  }
}
