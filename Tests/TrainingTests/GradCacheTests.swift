import Autograd
import Foundation
import Recipes
import TestSupport
import TextEncoder
import Tokenization
import Testing
import Training

/// GradCache: the cached InfoNCE step (mini-batches of 8) gives the loss and every parameter
/// gradient of the uncached step (batch 64), with dropout on (the masks replayed), with and
/// without hard negatives, and with the symmetric term.
@Suite(.serialized) struct GradCacheTests {
  /// Runs one batch of 64 KorNLI triplets uncached and cached; returns the worst relative
  /// gradient difference (max |diff| / max |reference| per tensor) and the two results.
  func compare(model: SentenceEncoder, hardNegatives: Int, symmetric: Bool) throws -> (worst: Float, name: String) {
    let examples = try TrainingData.load([.init(format: .nliTSV, paths: [Fixtures.root.path + "/data/kornlu/KorNLI/xnli.dev.ko.tsv"])])
    let batch = BatchSampler.epoch(examples, batchSize: 64, seed: 11)[0].map { examples[$0] }
    #expect(batch.count == 64)
    let step = TrainingStep(
      model, loss: .infoNCE(temperature: 0.05, symmetric: symmetric, hardNegatives: hardNegatives), maxLength: 32,
      queryPrefix: "query: ", passagePrefix: "passage: ")
    let store = model.encoder.store

    store.zeroGrad()
    let plain = try step.run(batch, dropout: true, seed: 99)
    let reference = Array(UnsafeBufferPointer(start: store.denseGradients(), count: store.count))
    store.zeroGrad()
    let cached = try step.run(batch, dropout: true, seed: 99, miniBatch: 8)
    let got = Array(UnsafeBufferPointer(start: store.denseGradients(), count: store.count))
    #expect(abs(cached.loss - plain.loss) <= 1e-5 * abs(plain.loss), "loss \(cached.loss) vs \(plain.loss)")
    #expect(cached.metrics.accuracy == plain.metrics.accuracy && cached.tokens == plain.tokens)
    // dropout really acts (and is replayed, not switched off): without it the loss moves
    store.zeroGrad()
    #expect(try step.run(batch, dropout: false, seed: 99, miniBatch: 8).loss != cached.loss)

    // the attention key biases get no gradient in exact arithmetic (a softmax ignores a constant
    // added to all its scores): both runs must leave them at rounding noise
    let scale = reference.reduce(Float(0)) { max($0, abs($1)) }
    var worst: (Float, String) = (0, "")
    for view in store.views {
      let r = Array(reference[view.offset..<(view.offset + view.count)]), g = Array(got[view.offset..<(view.offset + view.count)])
      if view.name.hasSuffix("attention.self.key.bias") {
        #expect((r + g).allSatisfy { abs($0) <= 1e-6 * scale }, "\(view.name) is not at rounding noise")
        continue
      }
      let d = difference(g, r)
      if d.relative > worst.0 { worst = (d.relative, view.name) }
    }
    return worst
  }

  @Test(.needsRealModel, .needsKorNLU) func cachedInfoNCEEqualsUncachedOnMultilingualE5Small() throws {
    let model = try SentenceEncoder(directory: Fixtures.e5Model)
    let (worst, name) = try compare(model: model, hardNegatives: 1, symmetric: true)
    #expect(worst <= 1e-5, "worst relative gradient difference \(worst) in \(name)")
  }

  /// A tiny random encoder for the other variants. Its random weights make the last LayerNorm
  /// bias's gradient (a sum over every token with much cancellation) poorly conditioned, so the
  /// bound is 1e-4 here; a wrong mask or a lost gradient shows as an O(1) difference.
  @Test(.needsRealModel, .needsKorNLU, arguments: [(1, false), (0, false), (0, true)])
  func cachedInfoNCEEqualsUncachedOnATinyEncoder(hardNegatives: Int, symmetric: Bool) throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let model = try SentenceEncoder(directory: tinyModel(in: dir, layers: 2, width: 32, heads: 4).path)
    let (worst, name) = try compare(model: model, hardNegatives: hardNegatives, symmetric: symmetric)
    #expect(worst <= 1e-4, "worst relative gradient difference \(worst) in \(name)")
  }

  @Test(.needsRealModel, .needsKorNLU) func aBatchOfOnePairHasNoHardestNegative() throws {
    let dir = Fixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let model = try SentenceEncoder(directory: tinyModel(in: dir).path)
    let step = TrainingStep(model, loss: .infoNCE(temperature: 0.05, symmetric: false, hardNegatives: 0), maxLength: 16)
    let r = try step.run([.triplet(query: "a", positive: "b", negatives: [])], dropout: true, seed: 1)
    #expect(r.loss == 0 && r.metrics.accuracy == 1 && r.metrics.hardestNegativeSimilarity == nil)
  }

  @Test func droppedElementsDependOnlyOnTheirPlaceInTheWholeBatch() {
    // a slice's masks equal the whole batch's at the same elements, for hidden and attention indices
    let whole = Dropout(p: 0.1, seed: 42), part = Dropout(p: 0.1, seed: 42, offset: 1000)
    #expect((0..<4000).allSatisfy { part.keeps($0) == whole.keeps($0 + 1000) })
    #expect((0..<4000).contains { part.keeps($0) != whole.keeps($0) })
    let batch = TokenBatch(sequences: [[0, 5, 2], [0, 6, 7, 2], [0, 2]], config: .init(
      vocabSize: 10, hiddenSize: 4, numHiddenLayers: 1, numAttentionHeads: 1, intermediateSize: 4, maxPositionEmbeddings: 10))
    let tail = batch.slice(1..<3)
    #expect(tail.precedingTokens == 3 && tail.precedingSquaredLengths == 9 && tail.ids == [0, 6, 7, 2, 0, 2])
    #expect(tail.slice(1..<2).precedingTokens == 7 && tail.slice(1..<2).precedingSquaredLengths == 25)
  }
}
