import Autograd
import Communication
import Losses
import TextEncoder
import Tokenization

/// One forward + backward of a stage's objective over a batch of examples; gradients
/// accumulate into the encoder's store. One path for every case: this rank embeds its share of
/// the batch's texts (all of them on one rank; GradCache mini-batches with `miniBatch`), the
/// rows of every rank are gathered, the objective's loss is taken on them, and its gradient
/// goes back through the encoder (see `embedAndBackward`).
public struct TrainingStep {
  public let encoder: Encoder
  public let pooling: PoolingMode
  public let objective: any Objective
  public var texts: TextPreparation
  /// The ranks of a data-parallel run (see `DataParallel.swift`); one process by default. Every
  /// rank calls `run` with the whole global batch and embeds its own share of it.
  public var communicator: any Communicator = SingleProcess()

  public init(encoder: Encoder, pooling: PoolingMode, objective: any Objective, texts: TextPreparation) {
    self.encoder = encoder
    self.pooling = pooling
    self.objective = objective
    self.texts = texts
  }

  public struct Result: Sendable {
    public var loss: Float
    /// Real (unpadded) tokens through the encoder, over all ranks.
    public var tokens: Int
    public var layout: SequenceLayout
    public var metrics = LossMetrics()
    public var profile: [String: Tape.OpTime]?
  }

  /// `seed` drives dropout (when `dropout`); a text's dropout masks depend only on its place in
  /// the whole batch, so the loss and gradients do not depend on the ranks or on `miniBatch`
  /// (GradCache: the same loss and gradients with the memory of `miniBatch` texts).
  public func run(_ examples: [TrainingExample], dropout: Bool, seed: UInt64, miniBatch: Int? = nil, profile: Bool = false) throws -> Result {
    let comm = communicator
    let batch = try objective.batch(texts.lossExamples(examples, teacherEmbeddings: objective is EmbeddingDistillation))
    let (sequences, types) = try texts.tokens(batch.inputs, of: examples)
    let units = batch.replicated ? 0..<batch.units : comm.share(of: batch.units)
    var sums: [Double] = []
    var result = try embedAndBackward(
      sequences: sequences, types: types, owners: comm.balancedOwners(lengths: sequences.map(\.count)), dropout: dropout, seed: seed,
      miniBatch: miniBatch, replicated: batch.replicated, profile: profile
    ) { tape, rows in
      let (loss, s) = batch.loss(tape, rows, units)
      sums = s
      return loss
    }
    if !batch.replicated && comm.size > 1 { sums = try comm.allReduceSum(sums) }
    result.metrics = batch.metrics(sums)
    return result
  }
}
