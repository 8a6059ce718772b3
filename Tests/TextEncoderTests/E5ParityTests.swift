import Foundation
import SafeTensors
import TestSupport
import Testing

@testable import TextEncoder

/// The imported multilingual-e5-small against sentence-transformers on the same directory
/// (tools/reference/e5_embeddings.py): identical token ids, and every value of the 234
/// KorSTS / KorNLI / edge-case embeddings within 1e-6 of PyTorch's. Needs
/// `models/multilingual-e5-small` (CI sets it up).
@Suite struct E5ParityTests {
  struct Reference: Decodable {
    let texts: [String]
    let prefixes: [String]
    let ids: [[Int32]]
  }

  @Test(.needsRealModel) func tokenIdsAndEmbeddingsMatchSentenceTransformers() throws {
    let dir = Fixtures.e5Model
    let ref = try JSONDecoder().decode(
      Reference.self, from: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("e5-small/reference.json"))))
    #expect(ref.texts.count >= 200)
    let model = try SentenceEncoder(directory: dir)
    var mismatched: [String] = []
    for (i, text) in ref.texts.enumerated() {
      let ids = try model.tokenizer.encode(text, prefix: ref.prefixes[i])
      if ids != ref.ids[i] { mismatched.append("#\(i) \(text.prefix(40)): got \(ids.prefix(12)) expected \(ref.ids[i].prefix(12))") }
    }
    #expect(mismatched.isEmpty, "token ids differ:\n\(mismatched.joined(separator: "\n"))")

    let expected = try SafeTensorsFile(path: Fixtures.path("e5-small/reference.safetensors")).floats("embeddings")
    let C = model.config.hiddenSize
    var got: [Float] = []
    // batches that mix prefixes and lengths, as a user's file would
    for start in stride(from: 0, to: ref.texts.count, by: 16) {
      let end = min(start + 16, ref.texts.count)
      let seqs = try (start..<end).map { try model.tokenizer.encode(ref.texts[$0], prefix: ref.prefixes[$0]) }
      got += try model.encoder.embed(TokenBatch(sequences: seqs, config: model.config), pooling: model.pooling, normalize: model.normalize).array
    }
    // measured: max |diff| 2.2e-7 (text #233; values up to 0.16), float32 noise; the bound is about 5x that
    let d = difference(got, expected)
    #expect(d.maxAbs <= 1e-6, "\(d) (text #\(d.index / C))")
  }
}
