import Foundation
import TestSupport
import Testing

@testable import Reports

/// A stage whose batches come from several sources, each with its loss: the report reads each
/// step's source and draws a loss curve per source beside the stage's loss.
@Suite struct SourceLossReportTests {
  @Test func eachSourcesLossIsACurveOfItsOwn() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    var lines: [String] = []
    for i in 1...12 {
      let (source, loss) = i % 3 == 0 ? ("KorSTS", 4.5 + Double(i) / 100) : ("KorNLI", 1.25 + Double(i) / 1000)
      lines.append(#"{"epoch":0,"global_step":\#(i),"grad_norm":1,"loss":\#(loss),"loss_\#(source)":\#(loss),"lr":1e-5,"seconds":1,"source":"\#(source)","stage":"mixed","stage_steps":12,"step":\#(i),"tokens":5,"tokens_per_second":5}"#)
    }
    lines.append(#"{"epoch":0,"global_step":13,"grad_norm":1,"loss":2,"lr":1e-5,"seconds":1,"stage":"plain","stage_steps":1,"step":1,"tokens":5,"tokens_per_second":5}"#)
    try (lines.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("metrics.jsonl"), atomically: true, encoding: .utf8)
    let log = try RunLog.read(directory: dir.path)
    #expect(log.steps.map(\.source) == (1...12).map { $0 % 3 == 0 ? "KorSTS" : "KorNLI" } + [nil])
    let html = RunReport.html(log)
    let stages = html.components(separatedBy: "<h2>Stage 2: plain</h2>")
    #expect(stages.count == 2)
    // the mixed stage: loss, loss by source, lr, throughput, gradient norm; the plain stage has no source chart
    #expect(stages[0].components(separatedBy: "<svg ").count - 1 == 5 && stages[0].contains("loss by source"))
    #expect(!stages[1].contains("loss by source"))
    let start = try #require(stages[0].range(of: "loss by source"))
    let chart = String(stages[0][start.lowerBound...]).components(separatedBy: "</svg>")[0]
    #expect(chart.contains("KorNLI") && chart.contains("KorSTS"))
    // the CoSENT source's points (4.53 at step 3) are on its own curve, hovered with their values
    #expect(chart.contains("4.53"))
  }
}
