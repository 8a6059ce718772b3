import Autograd
import Losses
import TextEncoder

/// One forward + backward of InfoNCE over a batch of tokenized triplets: queries, positives and
/// hard negatives packed into one batch (one pass through the encoder), every positive and
/// negative a candidate for every query. Gradients accumulate into the encoder's store.
public struct ContrastiveStep {
  public let encoder: Encoder
  public let loss: InfoNCE
  public let pooling: PoolingMode
  /// Hidden and attention dropout from the encoder config (training) or none.
  public let dropout: Bool

  public init(encoder: Encoder, loss: InfoNCE, pooling: PoolingMode, dropout: Bool) {
    self.encoder = encoder
    self.loss = loss
    self.pooling = pooling
    self.dropout = dropout
  }

  public struct Result: Sendable {
    public var loss: Float
    /// Real (unpadded) tokens that went through the encoder.
    public var tokens: Int
    public var layout: SequenceLayout
    /// Time per op, when the step was profiled.
    public var profile: [String: Tape.OpTime]?
  }

  /// queries, positives, negatives: token ids of N triplets each. `seed` drives dropout.
  public func run(
    queries: [[Int32]], positives: [[Int32]], negatives: [[Int32]], seed: UInt64, profile: Bool = false
  ) throws -> Result {
    let n = queries.count
    precondition(positives.count == n && negatives.count == n, "a triplet batch needs as many positives and negatives as queries")
    let batch = TokenBatch(sequences: queries + positives + negatives, config: encoder.config)
    let tape = Tape(seed: seed, profile: profile)
    let e = try encoder.embed(batch, on: tape, pooling: pooling, normalize: false, dropout: dropout)
    let l = loss.loss(tape: tape, queries: tape.rows(e, 0..<n), candidates: tape.rows(e, n..<3 * n), positives: Array(0..<n))
    try tape.backward(from: l)
    return Result(loss: tape.scalar(l), tokens: batch.totalTokens, layout: batch.layout, profile: tape.profile)
  }
}
