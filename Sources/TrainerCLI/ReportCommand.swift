import ArgumentParser
import Foundation
import Reports

struct ReportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "Write one self-contained HTML page about a run: curves per stage, evaluations, final metrics, recipe.")

  @Argument(help: "The run's output directory (holding metrics.jsonl).")
  var runDirectory: String
  @Option(name: [.short, .long], help: "The HTML file to write (default: RUN_DIRECTORY/report.html).")
  var output: String?

  func run() throws {
    try runReportingErrors {
      let log = try RunLog.read(directory: runDirectory)
      let path = output ?? URL(fileURLWithPath: runDirectory).appendingPathComponent("report.html").path
      try Data(RunReport.html(log).utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
      print("report written to \(path) (\(log.steps.count) steps, \(log.evaluations.count) evaluations)")
    }
  }
}
