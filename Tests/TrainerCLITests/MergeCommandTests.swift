import Testing

@testable import TrainerCLI

/// `trainer merge A B … --weights w… --output DIR`.
@Suite struct MergeCommandTests {
  @Test func mergeTakesModelsWeightsAndAnOutput() throws {
    let m = try parse(["merge", "a", "b", "--weights", "0.3, 0.7", "-o", "out"], as: MergeCommand.self)
    #expect(m.models == ["a", "b"] && m.output == "out" && m.dtype == .f32)
    #expect(try m.givenWeights() == [0.3, 0.7])
    #expect(try parse(["merge", "a", "b", "c", "--output", "out", "--dtype", "f16"], as: MergeCommand.self).givenWeights() == [1, 1, 1])
    #expect(refusal(["merge", "a", "--output", "out"]).contains("at least two model directories"))
    #expect(refusal(["merge", "a", "b"]).contains("Missing expected argument '--output <output>'"))
    let bad = try parse(["merge", "a", "b", "--weights", "0.5,x", "-o", "out"], as: MergeCommand.self)
    #expect(throws: (any Error).self) { try bad.givenWeights() }
  }
}
