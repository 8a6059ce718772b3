import DataSets
import Foundation
import HDF5Files
import Mining
import SafeTensors
import TestSupport
import Testing
import TextEncoder
import Tokenization

@Suite struct TeacherScorerTests {
  static let e5 = URL(fileURLWithPath: Fixtures.e5Model)

  /// multilingual-e5-small with a fresh one-logit (or `labels`-logit) head, written as a model directory.
  static func crossEncoder(at dir: URL, labels: Int = 1) throws -> String {
    var config = try EncoderConfig.load(path: e5.appendingPathComponent("config.json").path)
    config.numLabels = labels
    let encoder = Encoder(config: config)
    try encoder.load(from: SafeTensorsFile(path: e5.appendingPathComponent("model.safetensors").path), headSeed: 3)
    let path = dir.appendingPathComponent("teacher-\(labels)").path
    try ModelDirectoryWriter(layout: SentenceTransformersLayout(maxSeqLength: 64)).write(
      encoder: encoder, sentencePieceModel: try Data(contentsOf: e5.appendingPathComponent("sentencepiece.bpe.model")), to: path)
    return path
  }

  @Test(.needsRealModel) func scoresArePairLogitsOfEachCandidateAndBadTeachersAreRefused() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let teacherPath = try Self.crossEncoder(at: dir)
    let teacher = try SentenceEncoder(directory: teacherPath)
    #expect(teacher.config.numLabels == 1)
    let data = dir.appendingPathComponent("d.h5").path
    let examples = [
      TextTriplet(query: "고양이가 잔다.", positive: "고양이가 자고 있다.", negatives: ["개가 뛴다.", "비가 온다."]),
      TextTriplet(query: "개가 뛴다.", positive: "강아지가 달린다.", negatives: ["고양이가 잔다."]),
    ]
    _ = try DataSetBuilder.build(examples: examples, tokenizer: teacher.tokenizer, sources: ["t"], output: data)
    let summary = try TeacherScorer(teacher: teacher).score(dataPath: data)
    #expect(summary.pairs == 5 && summary.candidates == .data)
    let scores = try #require(try DataSetFile(path: data).teacherScores())
    #expect(scores.width == 3 && scores.candidates == .data)
    // each score is the teacher's logit of (query, candidate), computed here from the texts
    for (e, x) in examples.enumerated() {
      for (j, c) in ([x.positive] + x.negatives).enumerated() {
        let logit = try teacher.encoder.logits(TokenBatch(sequences: [teacher.tokenizer.encodePair(x.query, c)], config: teacher.config))
        #expect(abs(scores.scores[e * 3 + j] - logit.array[0]) < 1e-5)
      }
    }
    #expect(scores.scores[1 * 3 + 2].isNaN)

    // a teacher with two labels, and a plain encoder, are refused before anything is written
    let before = try Data(contentsOf: URL(fileURLWithPath: data))
    let two = try SentenceEncoder(directory: try Self.crossEncoder(at: dir, labels: 2))
    let e1 = #expect(throws: DataSetError.self) { try TeacherScorer(teacher: two).score(dataPath: data) }
    #expect("\(e1!)".contains("2 labels") && "\(e1!)".contains("needs 1"))
    let e2 = #expect(throws: DataSetError.self) { try TeacherScorer(teacher: try SentenceEncoder(directory: Self.e5.path)).score(dataPath: data) }
    #expect("\(e2!)".contains("not a cross-encoder"))
    #expect(try Data(contentsOf: URL(fileURLWithPath: data)) == before)
  }
}
