import Autograd

/// Matryoshka representation learning (sentence-transformers' MatryoshkaLoss): the inner
/// objective applied to the embeddings truncated to each of `dims` leading dimensions,
///   loss = Σ_d w_d · inner(e[:, :d]),
/// so that the first d dimensions of an embedding work on their own. The inner objective
/// normalizes what it compares (cosines), so a truncation needs no renormalization of its own. The
/// metrics are the inner objective's at the first (largest) dimension.
public struct Matryoshka: Objective {
  public var inner: any Objective
  public var dims: [Int]
  public var weights: [Float]

  /// `dims` and `weights` of one length, dims positive; a dimension at or above the embedding
  /// width means the whole embedding.
  public init(inner: any Objective, dims: [Int], weights: [Float]) {
    precondition(!dims.isEmpty && dims.count == weights.count && dims.allSatisfy { $0 > 0 }, "Matryoshka dims and weights")
    self.inner = inner
    self.dims = dims
    self.weights = weights
  }

  public var reads: ModelOutput { inner.reads }
  public var textsPerExample: Int { inner.textsPerExample }

  public func batch(_ examples: [LossExample]) throws -> LossBatch {
    let batch = try inner.batch(examples)
    let dims = dims, weights = weights
    return LossBatch(
      inputs: batch.inputs, units: batch.units, replicated: batch.replicated,
      loss: { tape, e, units in
        let width = tape.shape(e).last ?? 0
        var total: Variable?
        var sums: [Double]?
        for (d, w) in zip(dims, weights) {
          let (loss, s) = batch.loss(tape, d >= width ? e : tape.leadingColumns(e, d), units)
          let term = tape.scale(loss, by: w)
          total = total.map { tape.add($0, term) } ?? term
          if sums == nil { sums = s }
        }
        return (total!, sums!)
      },
      metrics: batch.metrics)
  }
}
