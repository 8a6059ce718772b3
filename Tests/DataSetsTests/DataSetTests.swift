import DataSets
import Foundation
import HDF5Files
import TestSupport
import Testing
import Tokenization

@Suite(.needsRealModel) struct DataSetTests {
  static let modelDir = URL(fileURLWithPath: Fixtures.e5Model)

  static func tokenizer() throws -> Tokenizer {
    try Tokenizer(model: try SentencePieceModel(path: modelDir.appendingPathComponent("sentencepiece.bpe.model").path), maxLength: 16)
  }

  static let examples = [
    TextTriplet(query: "고양이가 잔다.", positive: "고양이가 자고 있다.", negatives: ["개가 뛴다."]),
    TextTriplet(query: "개가 뛴다.", positive: "강아지가 달린다.", negatives: []),
    TextTriplet(query: "고양이가 잔다.", positive: "동물이 쉰다.", negatives: ["고양이가 자고 있다.", "비가 온다."]),
  ]

  @Test func buildsACorpusOfDistinctTextsThatReadsBackAndComposesAsTheTokenizerEncodes() throws {
    let tok = try Self.tokenizer()
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("d.h5").path
    let summary = try DataSetBuilder.build(
      examples: Self.examples, corpusTexts: ["해가 뜬다.", "개가 뛴다."], tokenizer: tok, sources: ["test"],
      checkPrefixes: ["query: ", "passage: "], output: path)
    #expect(summary.examples == 3 && summary.texts == 7 && summary.negatives == 3)
    #expect(summary.prefixMismatches == ["query: ": 0, "passage: ": 0])
    let d = try DataSetFile(path: path, tokenizer: tok)
    let texts = try d.texts()
    // in order of first appearance: queries, positives, negatives, then corpus texts
    #expect(texts == ["고양이가 잔다.", "개가 뛴다.", "고양이가 자고 있다.", "강아지가 달린다.", "동물이 쉰다.", "비가 온다.", "해가 뜬다."])
    #expect(d.query.map { texts[Int($0)] } == Self.examples.map(\.query))
    #expect(d.positive.map { texts[Int($0)] } == Self.examples.map(\.positive))
    #expect((0..<3).map { d.negatives(of: $0).map { texts[$0] } } == Self.examples.map(\.negatives))
    #expect(d.negativeWidth == 2)
    // ids read one at a time or as a range are the tokenizer's, and compose as encode
    for i in 0..<texts.count {
      #expect(try d.ids(i) == tok.pieceIds(texts[i]))
      #expect(try tok.compose(prefix: tok.pieceIds("query: "), text: try d.ids(i)) == tok.encode(texts[i], prefix: "query: "))
    }
    #expect(try d.ids(2..<6) == (2..<6).map { tok.pieceIds(texts[$0]) })
    #expect(try d.mined() == nil)
  }

  @Test func badFilesGetClearErrorsAndAFailedBuildKeepsTheOldFile() throws {
    let tok = try Self.tokenizer()
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("d.h5").path
    _ = try DataSetBuilder.build(examples: Self.examples, tokenizer: tok, sources: ["test"], output: path)
    let before = try Data(contentsOf: URL(fileURLWithPath: path))
    // an empty build fails and leaves the file as it was, with no partial file beside it
    #expect(throws: DataSetError.self) { try DataSetBuilder.build(examples: [], tokenizer: tok, sources: ["empty.tsv"], output: path) }
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["d.h5"])

    // another tokenizer: a copy of the model file with an unknown protobuf field (1000 = 1) added
    let other = dir.appendingPathComponent("other.model")
    var bytes = try Data(contentsOf: Self.modelDir.appendingPathComponent("sentencepiece.bpe.model"))
    bytes.append(contentsOf: [0xC0, 0x3E, 0x01])
    try bytes.write(to: other)
    let otherTok = try Tokenizer(model: try SentencePieceModel(path: other.path), maxLength: 16)
    let e1 = #expect(throws: DataSetError.self) { try DataSetFile(path: path, tokenizer: otherTok) }
    #expect("\(e1!)".contains("tokenized with another tokenizer") && "\(e1!)".contains("sentencepiece.bpe.model"))

    // negatives pointing past the corpus
    let f = try HDF5File.open(path: path, writable: true)
    try f.write(DataSetLayout.negatives, shape: [3, 2], values: [Int64](arrayLiteral: 4, -1, -1, -1, 4, 99))
    try f.flush()
    let e2 = #expect(throws: DataSetError.self) { try DataSetFile(path: path) }
    #expect("\(e2!)".contains("'examples/negatives'[2, 1] = 99 points past the corpus of 6 texts"))

    // not a data set, and a truncated one
    let plain = dir.appendingPathComponent("plain.h5").path
    try HDF5File.create(path: plain).write("embeddings", shape: [1], floats: [1])
    let e3 = #expect(throws: DataSetError.self) { try DataSetFile(path: plain) }
    #expect("\(e3!)".contains("not a trainer data set"))
    let cut = dir.appendingPathComponent("cut.h5").path
    try before.prefix(before.count - 100).write(to: URL(fileURLWithPath: cut))
    let e4 = #expect(throws: HDF5Error.self) { try DataSetFile(path: cut) }
    #expect("\(e4!)".contains("truncated"))
  }
}
