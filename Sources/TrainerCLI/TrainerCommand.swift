import ArgumentParser
import BuildInfo

/// The `trainer` command and its subcommands (the executable's `main` runs it).
public struct TrainerCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "trainer",
    abstract: "Fine-tunes transformer sentence encoders (XLM-R / BERT) with contrastive learning on a CPU.",
    version: BuildInfo.versionLine,
    subcommands: [
      RunCommand.self, ResumeCommand.self, ExportCommand.self, ImportCommand.self, TokenizeCommand.self, EmbedCommand.self,
      GradCheckCommand.self, BenchCommand.self, EvalCommand.self, ReportCommand.self, DataCommand.self, MineCommand.self, ScoreCommand.self, MergeCommand.self,
      TrimCommand.self,
    ])

  public init() {}
}
