import Foundation
import TestSupport
import Testing

@testable import Recipes
@testable import Training

/// A recipe's STS evaluation set with fewer than two pairs (after its limit) is refused when the
/// run reads its sets, before any stage trains, naming the file and the count.
@Suite struct EvaluationSetSizeTests {
  @Test func stsSetsWithFewerThanTwoPairsAreRefusedWhenRead() throws {
    let dir = Fixtures.temporaryDirectory()
    func write(_ text: String, _ name: String) throws -> String {
      let path = dir.appendingPathComponent(name).path
      try text.write(toFile: path, atomically: true, encoding: .utf8)
      return path
    }
    func set(_ path: String, limit: Int? = nil) -> Recipe.EvalSet {
      Recipe.EvalSet(name: "dev", source: .sts(path: path), final: false, limit: limit, similarities: [.cosine], instruction: nil)
    }
    let one = try write("sentence1\tsentence2\tscore\na\tb\t1\n", "one.tsv")
    let three = try write("sentence1\tsentence2\tscore\na\tb\t1\nc\td\t2\ne\tf\t3\n", "three.tsv")
    let e1 = try #require(throws: (any Error).self) { try EvaluationSetData.load(set(one)) }
    #expect("\(e1)".contains(one) && "\(e1)".contains("1 sentence pair") && "\(e1)".contains("at least 2"), "\(e1)")
    let e2 = try #require(throws: (any Error).self) { try EvaluationSetData.load(set(three, limit: 1)) }
    #expect("\(e2)".contains(three) && "\(e2)".contains("limit 1") && "\(e2)".contains("at least 2"), "\(e2)")
    guard case .sts(let pairs) = try EvaluationSetData.load(set(three, limit: 2)) else { Issue.record("not STS"); return }
    #expect(pairs.count == 2)
  }
}
