import Foundation
import TestSupport
import Testing

@testable import TextEncoder

/// config_sentence_transformers.json's truncate_dim (sentence-transformers writes it only when
/// set, and reads it back into the model): written, read, refused unless a positive integer or
/// null; and the truncation itself, the first N floats of each row.
@Suite struct TruncateDimLayoutTests {
  func layout(_ json: String) throws -> SentenceTransformersLayout {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    try json.write(to: dir.appendingPathComponent("config_sentence_transformers.json"), atomically: true, encoding: .utf8)
    return try SentenceTransformersLayout.read(directory: dir)
  }

  @Test func truncateDimIsReadWhenAPositiveIntegerOrNull() throws {
    #expect(try layout(#"{"truncate_dim": 128}"#).truncateDim == 128)
    #expect(try layout(#"{"truncate_dim": null}"#).truncateDim == nil)
    #expect(try layout(#"{"prompts": {}}"#).truncateDim == nil)
    for bad in ["0", "-4", "1.5", "true", "\"64\"", "[64]"] {
      #expect("truncate_dim \(bad)") { try layout(#"{"truncate_dim": \#(bad)}"#) } throws: {
        let s = "\($0)"
        return s.contains("config_sentence_transformers.json") && s.contains("truncate_dim") && s.contains("expected a positive integer or null")
      }
    }
  }

  @Test(.needsRealModel) func theWriterStoresTruncateDimOnlyWhenSet() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let encoder = Encoder(config: EncoderConfig(vocabSize: 8, hiddenSize: 4, numHiddenLayers: 1, numAttentionHeads: 1, intermediateSize: 8, maxPositionEmbeddings: 16))
    let spm = try Data(contentsOf: URL(fileURLWithPath: Fixtures.e5Model + "/sentencepiece.bpe.model"))
    func config(_ name: String) throws -> [String: Any] {
      try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent(name).appendingPathComponent("config_sentence_transformers.json"))) as! [String: Any]
    }
    try ModelDirectoryWriter(layout: .init(normalize: true, truncateDim: 3)).write(encoder: encoder, sentencePieceModel: spm, to: dir.appendingPathComponent("cut").path)
    try ModelDirectoryWriter(layout: .init(normalize: true)).write(encoder: encoder, sentencePieceModel: spm, to: dir.appendingPathComponent("whole").path)
    #expect(try config("cut")["truncate_dim"] as? Int == 3)
    #expect(try config("whole")["truncate_dim"] == nil)
    #expect(try SentenceTransformersLayout.read(directory: dir.appendingPathComponent("cut")).truncateDim == 3)
    #expect(try SentenceTransformersLayout.read(directory: dir.appendingPathComponent("whole")).truncateDim == nil)
  }

  @Test func truncationKeepsTheLeadingFloatsOfEachRow() {
    let rows: [Float] = (1...12).map(Float.init)
    #expect(EmbeddingTruncation.leadingColumns(rows, width: 4, dimension: 2) == [1, 2, 5, 6, 9, 10])
    #expect(EmbeddingTruncation.leadingColumns(rows, width: 4, dimension: 1) == [1, 5, 9])
    #expect(EmbeddingTruncation.leadingColumns(rows, width: 4, dimension: 4) == rows)
    #expect(EmbeddingTruncation.leadingColumns([], width: 4, dimension: 2) == [])
    #expect(EmbeddingTruncation.dimension(nil, width: 4) == 4)
    #expect(EmbeddingTruncation.dimension(2, width: 4) == 2)
    #expect(EmbeddingTruncation.dimension(9, width: 4) == 4)  // as sentence-transformers: min(width, truncate_dim)
  }
}
