import Autograd

extension Encoder {
  /// Fills the parameters as BERT's initializer does, from a seed: weight matrices and
  /// embeddings ~ N(0, std²) (std = `initializer_range`, 0.02), biases 0, LayerNorm weight 1 and
  /// bias 0, the padding row of the word embeddings 0. For fresh models and tiny test configs.
  public func initializeRandom(seed: UInt64, std: Float = 0.02) {
    var rng = SplitMix64(seed: seed)
    for view in store.views {
      let p = store.pointer(view.name)
      if view.name.hasSuffix("LayerNorm.weight") {
        p.update(repeating: 1, count: view.count)
      } else if view.shape.count == 1 {
        p.update(repeating: 0, count: view.count)
      } else {
        for i in 0..<view.count { p[i] = std * rng.nextNormal() }
      }
    }
    let C = config.hiddenSize
    (store.pointer(WeightNames.wordEmbeddings) + config.padTokenId * C).update(repeating: 0, count: C)
  }
}
