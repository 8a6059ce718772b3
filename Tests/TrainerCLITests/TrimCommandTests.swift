import Testing

@testable import TrainerCLI

/// `trainer trim MODEL --corpus FILE ... --output DIR [--keep-top N --frequencies FILE]`.
@Suite struct TrimCommandTests {
  @Test func trimTakesCorporaAnOutputAndOptions() throws {
    let t = try parse(
      ["trim", "m", "--corpus", "a.tsv", "--corpus", "nli_tsv:b.tsv", "-o", "out", "--keep-top", "100", "--frequencies", "f.tsv",
       "--prompt", "query: "], as: TrimCommand.self)
    #expect(t.model == "m" && t.corpus == ["a.tsv", "nli_tsv:b.tsv"] && t.output == "out")
    #expect(t.keepTop == 100 && t.frequencies == "f.tsv" && t.prompts == ["query: "])
    let plain = try parse(["trim", "m", "--corpus", "a.txt", "--output", "out"], as: TrimCommand.self)
    #expect(plain.keepTop == nil && plain.frequencies == nil && plain.prompts.isEmpty)
    #expect(refusal(["trim", "m", "-o", "out"]).contains("at least one --corpus"))
    #expect(refusal(["trim", "m", "--corpus", "a.txt"]).contains("Missing expected argument '--output <output>'"))
    #expect(refusal(["trim", "m", "--corpus", "a.txt", "-o", "out", "--keep-top", "0"]).contains("--keep-top must be at least 1"))
  }
}
