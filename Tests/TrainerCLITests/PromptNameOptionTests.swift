import Testing

@testable import TrainerCLI

/// `--prompt-name` on eval and embed (a prompt stored in the model), alone; `report` of several runs.
@Suite struct PromptNameOptionTests {
  @Test func evalAndEmbedTakeAPromptNameAlone() throws {
    #expect(try parse(["eval", "m", "--sts", "a.tsv", "--prompt-name", "query"], as: EvalCommand.self).promptName == "query")
    #expect(try parse(["eval", "m", "--sts", "a.tsv"], as: EvalCommand.self).promptName == nil)
    #expect(refusal(["eval", "m", "--sts", "a", "--prompt-name", "query", "--query-prefix", "q: "]).contains("give --prompt-name or --query-prefix/--passage-prefix, not both"))
    let base = ["embed", "m", "--input", "a", "--output", "b.h5"]
    #expect(try parse(base + ["--prompt-name", "nli"], as: EmbedCommand.self).promptName == "nli")
    #expect(refusal(base + ["--prompt-name", "nli", "--prompt", "q: "]).contains("give one of --prompt, --prompt-name and --instruction"))
    #expect(refusal(base + ["--prompt-name", "nli", "--instruction", "find"]).contains("give one of --prompt, --prompt-name and --instruction"))
  }

  @Test func reportTakesSeveralRuns() throws {
    #expect(try parse(["report", "a", "b", "c"], as: ReportCommand.self).runDirectories == ["a", "b", "c"])
    #expect(try parse(["report", "a"], as: ReportCommand.self).output == nil)
    #expect(refusal(["report"]).contains("Missing expected argument"))
  }
}
