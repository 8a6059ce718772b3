import Foundation
import TestSupport
import Testing
import Training

@Suite struct NLITripletsTests {
  @Test func premisesPairEntailmentsWithContradictions() throws {
    let dir = Fixtures.temporaryDirectory()
    let path = dir.appendingPathComponent("nli.tsv").path
    try """
    sentence1\tsentence2\tgold_label
    A\ta1\tentailment
    A\ta2\tneutral
    A\ta3\tcontradiction
    B\tb1\tcontradiction
    C\tc1\tentailment
    C\tc2\tentailment
    C\tc3\tcontradiction
    D\td1\tentailment

    """.write(toFile: path, atomically: true, encoding: .utf8)
    let t = try NLITriplets.read(path: path)
    #expect(t == [
      Triplet(query: "A", positive: "a1", negative: "a3"),
      Triplet(query: "C", positive: "c1", negative: "c3"),
      Triplet(query: "C", positive: "c2", negative: "c3"),
    ])
  }

  @Test func aMissingColumnNamesTheFileAndColumn() throws {
    let path = Fixtures.temporaryDirectory().appendingPathComponent("bad.tsv").path
    try "sentence1\tsentence2\nA\tB\n".write(toFile: path, atomically: true, encoding: .utf8)
    #expect { try NLITriplets.read(path: path) } throws: { "\($0)".contains("gold_label") && "\($0)".contains("bad.tsv") }
  }
}
