import ArgumentParser
import Foundation
import Reports

struct ReportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "Write one self-contained HTML page about a run, or several runs overlaid: curves, evaluations, final metrics, recipes.")

  @Argument(help: "The runs' output directories (each holding metrics.jsonl); several are overlaid, a colour per run.")
  var runDirectories: [String]
  @Option(name: [.short, .long], help: "The HTML file to write (default: RUN_DIRECTORY/report.html; for several runs the first's compare.html).")
  var output: String?

  func validate() throws {
    guard !runDirectories.isEmpty else { throw ValidationError("give at least one run directory") }
  }

  func run() throws {
    try runReportingErrors {
      let logs = try runDirectories.map { try RunLog.read(directory: $0) }
      let name = logs.count == 1 ? "report.html" : "compare.html"
      let path = output ?? URL(fileURLWithPath: runDirectories[0]).appendingPathComponent(name).path
      try Data(RunReport.html(logs).utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
      let counts = logs.map { "\($0.steps.count) steps, \($0.evaluations.count) evaluations" }.joined(separator: "; ")
      print("report written to \(path) (\(counts))")
    }
  }
}
