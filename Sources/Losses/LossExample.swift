/// An example as objectives see it: the identities of its texts (equal keys are equal texts)
/// and its numbers. The training step maps its examples to these and encodes the texts an
/// objective asks for (`LossInput`).
public struct LossExample: Sendable, Equatable {
  public var query: String
  public var positive: String
  public var negatives: [String]
  /// A graded pair's gold score (nil for a query with its positive).
  public var score: Float?
  /// A teacher's scores of [positive, negatives…] (NaN: none), when distilling.
  public var teacher: [Float]?
  /// The query's other positives (a query with several): never negatives of it, so a candidate
  /// with one of these texts is masked out of its softmax.
  public var otherPositives: [String]
  /// A bi-encoder teacher's embeddings of [query, positive, negatives…], when distilling embeddings.
  public var teacherEmbeddings: [[Float]]? = nil

  public init(
    query: String, positive: String, negatives: [String] = [], score: Float? = nil, teacher: [Float]? = nil, otherPositives: [String] = []
  ) {
    self.otherPositives = otherPositives
    self.query = query
    self.positive = positive
    self.negatives = negatives
    self.score = score
    self.teacher = teacher
  }
}

/// One text of an example: its query (or a graded pair's first text), its positive (the
/// second), or its j-th negative.
public enum ExampleText: Sendable, Hashable {
  case query, positive
  case negative(Int)
}

/// One input the encoder reads for an objective.
public enum LossInput: Sendable, Hashable {
  /// A text, with the prefix of its role (`query_prefix` or `passage_prefix`).
  case text(example: Int, ExampleText, role: Role)
  /// A cross-encoder's pair (a, b), without prefixes.
  case pair(example: Int, ExampleText, ExampleText)

  public enum Role: Sendable, Hashable { case query, passage }
}
