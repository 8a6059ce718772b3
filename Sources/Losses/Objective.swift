import Autograd

/// A training objective: which texts (or text pairs) a batch of examples needs, and the loss
/// over the encoder's rows for them. One type per objective, one file each; the training step
/// embeds what `batch(_:)` asks for (the whole batch, GradCache mini-batches, or a rank's share)
/// and calls the batch's `loss` on the gathered rows.
public protocol Objective: Sendable {
  /// What the encoder produces for each input: a sentence embedding, or a cross-encoder's logits.
  var reads: ModelOutput { get }
  /// The inputs `examples` need, in the order of the loss's rows, and the loss over them.
  func batch(_ examples: [LossExample]) throws -> LossBatch
  /// Texts one example brings to a batch (a pair counts as two), for the memory estimate of
  /// `mini_batch: auto`.
  var textsPerExample: Int { get }
  /// Parameters of the objective's own, trained beside the encoder's and saved with the
  /// checkpoint but not exported (embedding distillation's projection); nil for most.
  var parameters: ParameterStore? { get }
}

extension Objective {
  public var parameters: ParameterStore? { nil }
}

public enum ModelOutput: Sendable, Equatable {
  /// One pooled, unnormalized embedding per text.
  case embeddings
  /// A cross-encoder's logits, one row per text pair.
  case logits
}

/// A batch as an objective reads it.
public struct LossBatch {
  /// What to encode, one row each, in the loss's order.
  public var inputs: [LossInput]
  /// The loss is a mean over these units (queries, pairs or groups); ranks share them out.
  public var units: Int
  /// Every rank computes the whole loss (it ranks every unit against every other, or is too
  /// small to share): its value and its gradients are not summed over the ranks.
  public var replicated: Bool
  /// The loss of units `units` as their share of the batch's loss, read from `rows` (one row
  /// per input), and the sums its metrics are made of (added over the ranks unless replicated).
  public var loss: (_ tape: Tape, _ rows: Variable, _ units: Range<Int>) -> (loss: Variable, sums: [Double])
  /// The batch's metrics from the sums of all its units.
  public var metrics: (_ sums: [Double]) -> LossMetrics

  public init(
    inputs: [LossInput], units: Int, replicated: Bool,
    loss: @escaping (Tape, Variable, Range<Int>) -> (loss: Variable, sums: [Double]),
    metrics: @escaping ([Double]) -> LossMetrics = { _ in LossMetrics() }
  ) {
    self.inputs = inputs
    self.units = units
    self.replicated = replicated
    self.loss = loss
    self.metrics = metrics
  }
}

/// What an objective reports of a batch besides its loss.
public struct LossMetrics: Sendable, Equatable {
  /// InfoNCE: share of queries whose positive scores highest; cross-encoders: share of pairs
  /// on the side of 0 their label is on (binary) or of groups whose positive scores highest.
  public var accuracy: Float?
  /// InfoNCE: mean cosine of the positives, and of each query's hardest negative (nil when no
  /// query has a negative).
  public var positiveSimilarity: Float?
  public var hardestNegativeSimilarity: Float?
  /// InfoNCE with false-negative masking: candidates masked per query (both directions of a
  /// symmetric loss).
  public var maskedFalseNegatives: Float?

  public init(
    accuracy: Float? = nil, positiveSimilarity: Float? = nil, hardestNegativeSimilarity: Float? = nil, maskedFalseNegatives: Float? = nil
  ) {
    self.accuracy = accuracy
    self.positiveSimilarity = positiveSimilarity
    self.hardestNegativeSimilarity = hardestNegativeSimilarity
    self.maskedFalseNegatives = maskedFalseNegatives
  }
}

public enum LossError: Error, CustomStringConvertible, Equatable {
  /// An example the objective cannot read (a graded pair for InfoNCE, a triplet for CoSENT).
  case unsuitableExample(objective: String, example: Int, needs: String)
  case noTeacherScores(example: Int)
  case noTeacherEmbeddings(example: Int)
  /// A teacher embedding of another width than the others (or than the projection's).
  case teacherWidth(found: Int, expected: Int)

  public var description: String {
    switch self {
    case .unsuitableExample(let objective, let e, let needs): "\(objective) needs \(needs); example \(e) of the batch is not one"
    case .noTeacherScores(let e): "example \(e) of the batch has no teacher scores, but the stage distills"
    case .noTeacherEmbeddings(let e): "example \(e) of the batch has no teacher embeddings, but the stage distills embeddings"
    case .teacherWidth(let found, let expected): "a teacher embedding has \(found) dimensions, expected \(expected)"
    }
  }
}
