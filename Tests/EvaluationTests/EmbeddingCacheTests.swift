import Foundation
import TestSupport
import Testing
import TextEncoder
import Tokenization

@testable import Evaluation

/// One evaluation round's embedding cache: sets that share sentences embed each once, and every
/// metric is what the same evaluator gives without the cache.
@Suite struct EmbeddingCacheTests {
  func evaluator() throws -> Evaluator {
    let path = Fixtures.path("tokenizers/wordpiece-cased.json")
    let tokenizer = try Tokenizer(json: TokenizerJSON(data: Data(contentsOf: URL(fileURLWithPath: path)), path: path), maxLength: 32)
    let encoder = Encoder(config: EncoderConfig(
      modelType: .bert, vocabSize: 3000, hiddenSize: 8, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 16,
      maxPositionEmbeddings: 40))
    encoder.initializeRandom(seed: 3, std: 0.2)
    return Evaluator(
      encoder: encoder, tokenizer: tokenizer, pooling: .mean, normalize: true, maxLength: 32, queryPrefix: "q ", passagePrefix: "p ",
      batchSize: 3)
  }

  let pairs: [ScoredPair] = [
    .init(first: "the cat sat", second: "a cat was sitting", score: 4.5),
    .init(first: "dogs bark", second: "the dog barks loudly", score: 4.2),
    .init(first: "it rains", second: "the sun is out", score: 0.5),
    .init(first: "the cat sat", second: "stock prices fell", score: 0.1),
    .init(first: "he runs fast", second: "he is a quick runner", score: 4.0),
  ]

  @Test func setsSharingSentencesEmbedThemOnceWithTheSameMetrics() throws {
    let plain = try evaluator()
    var cached = plain
    let cache = EmbeddingCache()
    cached.cache = cache
    let retrieval = try RetrievalData.paraphrases(pairs, minScore: 4, path: "pairs")
    let sts = (try plain.sts(pairs), try cached.sts(pairs))
    #expect(cache.count == 9)  // the distinct sentences, with the query prefix
    let ranked = (try plain.retrieval(retrieval), try cached.retrieval(retrieval))
    // the queries were cached by the STS set; the documents take the passage prefix: new rows
    #expect(cache.count == 9 + retrieval.corpusTexts.count)
    for (a, b) in zip(sts.0, sts.1) { #expect(a.name == b.name && abs(a.value - b.value) <= 1e-6, "\(a.name)") }
    for (a, b) in zip(ranked.0, ranked.1) { #expect(a.name == b.name && abs(a.value - b.value) <= 1e-6, "\(a.name)") }
    #expect(sts.1.count > 4 && ranked.1.count > 10)
  }

  @Test func aFullCacheStillEmbedsEveryText() throws {
    var cached = try evaluator()
    cached.cache = EmbeddingCache(capacity: 2)
    let texts = ["one", "two", "three", "two", "four"]
    let a = try cached.embed(texts, prefix: "q ")
    let b = try evaluator().embedWhole(texts, prefix: "q ")
    #expect(cached.cache!.count == 2)
    #expect(a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-6 })
  }
}
