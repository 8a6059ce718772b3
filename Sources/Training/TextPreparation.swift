import DataSets
import Losses
import Tokenization

/// How a stage turns examples into token sequences: its tokenizer, prefixes and length limit,
/// and the hdf5 data sets `.indexed` examples refer to (whose texts are composed from their
/// stored ids, never re-tokenized).
public struct TextPreparation {
  public let tokenizer: Tokenizer
  public let maxLength: Int
  public let queryPrefix: String
  public let passagePrefix: String
  public var dataSets: DataSetFiles?

  public init(tokenizer: Tokenizer, maxLength: Int, queryPrefix: String, passagePrefix: String, dataSets: DataSetFiles? = nil) {
    self.tokenizer = tokenizer
    self.maxLength = maxLength
    self.queryPrefix = queryPrefix
    self.passagePrefix = passagePrefix
    self.dataSets = dataSets
  }

  /// The token sequences of `inputs`, texts of `examples`.
  public func sequences(_ inputs: [LossInput], of examples: [TrainingExample]) throws -> [[Int32]] {
    try tokens(inputs, of: examples).ids
  }

  /// The token sequences of `inputs` with their token type ids (those of a pair as the
  /// tokenizer's template gives them; 0 for a single text).
  public func tokens(_ inputs: [LossInput], of examples: [TrainingExample]) throws -> (ids: [[Int32]], types: [[Int32]]) {
    let heads = (query: tokenizer.pieceIds(queryPrefix), passage: tokenizer.pieceIds(passagePrefix))
    var sequences: [[Int32]] = [], types: [[Int32]] = []
    sequences.reserveCapacity(inputs.count)
    types.reserveCapacity(inputs.count)
    for input in inputs {
      switch input {
      case .text(let i, let which, let role):
        let prefix = role == .query ? queryPrefix : passagePrefix
        let seq: [Int32]
        switch examples[i].text(which) {
        case .string(let s): seq = try tokenizer.encode(s, prefix: prefix, maxLength: maxLength)
        case .row(let file, let row):
          seq = try tokenizer.compose(prefix: role == .query ? heads.query : heads.passage, text: try ids(file, row), maxLength: maxLength)
        }
        sequences.append(seq)
        types.append([Int32](repeating: 0, count: seq.count))
      case .pair(let i, let a, let b):
        let pair = try tokenizer.composePairWithTypes(
          try pieceIds(examples[i].text(a)), try pieceIds(examples[i].text(b)), maxLength: maxLength)
        sequences.append(pair.ids)
        types.append(pair.typeIds)
      }
    }
    return (sequences, types)
  }

  func pieceIds(_ text: TrainingExample.Text) throws -> [Int32] {
    switch text {
    case .string(let s): tokenizer.pieceIds(s)
    case .row(let file, let row): try ids(file, row)
    }
  }

  func ids(_ file: Int, _ row: Int) throws -> [Int32] {
    guard let d = dataSets?.files[file] else { preconditionFailure("an hdf5 example without its data set") }
    return try d.ids(row)
  }
}

extension TrainingExample {
  /// A text of the example: a string, or a corpus row of an hdf5 data set.
  enum Text { case string(String), row(file: Int, row: Int) }

  func text(_ which: ExampleText) -> Text {
    switch (self, which) {
    case (.triplet(let q, _, _), .query), (.pair(let q, _, _), .query): .string(q)
    case (.triplet(_, let p, _), .positive), (.pair(_, let p, _), .positive): .string(p)
    case (.triplet(_, _, let n), .negative(let j)): .string(n[j])
    case (.indexed(let f, let q, _, _, _), .query): .row(file: f, row: q)
    case (.indexed(let f, _, let p, _, _), .positive): .row(file: f, row: p)
    case (.indexed(let f, _, _, let n, _), .negative(let j)): .row(file: f, row: n[j])
    case (.group(let g), .query): .string(g.query)
    case (.group(let g), .positive): .string(g.positives[g.drawn])
    case (.group(let g), .negative(let j)): .string(g.negatives[j])
    case (.pair, .negative): preconditionFailure("a graded pair has no negatives")
    }
  }

  /// The example as objectives see it: its texts' identities (hdf5 rows by file and row) and numbers.
  var lossExample: LossExample {
    switch self {
    case .triplet(let q, let p, let n): LossExample(query: q, positive: p, negatives: n)
    case .pair(let a, let b, let score): LossExample(query: a, positive: b, score: score)
    case .indexed(let f, let q, let p, let n, let teacher):
      LossExample(
        query: Self.key(file: f, row: q), positive: Self.key(file: f, row: p), negatives: n.map { Self.key(file: f, row: $0) },
        teacher: teacher)
    case .group(let g):
      LossExample(
        query: g.query, positive: g.positives[g.drawn], negatives: g.negatives, teacher: g.teacher,
        otherPositives: g.positives.enumerated().filter { $0.offset != g.drawn }.map(\.element))
    }
  }
}
