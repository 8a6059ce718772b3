import Autograd

/// A batch of token sequences packed end to end: flat token ids and position ids plus the
/// offsets of each sequence. Dense layers see one (T_total, C) matrix with no padding.
public struct TokenBatch: Sendable, Equatable {
  public let ids: [Int32]
  public let positions: [Int32]
  /// Token type (segment) ids, nil when every token is of type 0 (a single text, a pair of a
  /// model with one token type).
  public let types: [Int32]?
  public let layout: SequenceLayout
  /// When this batch is a slice of a larger one (GradCache's mini-batches): the tokens, and the
  /// Σ L² of the sequences, before it there. Dropout masks are indexed from these, so a slice
  /// drops exactly what the whole batch would.
  public private(set) var precedingTokens = 0
  public private(set) var precedingSquaredLengths = 0

  /// Packs sequences of token ids; position ids follow the config (XLM-R and RoBERTa start at
  /// pad + 1). `types`, one list per sequence of its length, are the token type ids of pairs as
  /// the tokenizer's template gives them; a model with one token type (`type_vocab_size` 1:
  /// XLM-R, RoBERTa) keeps every token at type 0 whatever the template says, as transformers
  /// needs for klue/roberta (KLUE#33).
  public init(sequences: [[Int32]], types: [[Int32]]? = nil, config: EncoderConfig) {
    var ids: [Int32] = []
    var positions: [Int32] = []
    ids.reserveCapacity(sequences.reduce(0) { $0 + $1.count })
    for seq in sequences {
      ids += seq
      for i in 0..<seq.count { positions.append(Int32(config.positionId(i))) }
    }
    self.ids = ids
    self.positions = positions
    self.layout = SequenceLayout(lengths: sequences.map(\.count))
    if let types, config.typeVocabSize > 1, types.contains(where: { $0.contains { $0 != 0 } }) {
      precondition(types.map(\.count) == sequences.map(\.count), "TokenBatch: type ids of other lengths than the sequences")
      self.types = types.flatMap { $0 }
    } else {
      self.types = nil
    }
  }

  /// Sequences `range` as a batch of their own that remembers where it sits in this one.
  public func slice(_ range: Range<Int>) -> TokenBatch {
    let start = layout.offsets[range.lowerBound], end = layout.offsets[range.upperBound]
    var b = TokenBatch(ids: Array(ids[start..<end]), positions: Array(positions[start..<end]),
                       types: types.map { Array($0[start..<end]) }, layout: SequenceLayout(lengths: range.map { layout.length($0) }))
    b.precedingTokens = precedingTokens + start
    b.precedingSquaredLengths = precedingSquaredLengths + (0..<range.lowerBound).reduce(0) { $0 + layout.length($1) * layout.length($1) }
    return b
  }

  private init(ids: [Int32], positions: [Int32], types: [Int32]?, layout: SequenceLayout) {
    self.ids = ids
    self.positions = positions
    self.types = types
    self.layout = layout
  }

  public var count: Int { layout.count }
  public var totalTokens: Int { ids.count }

  /// Checks every id, type id and position against the tables of `config`.
  public func validate(for config: EncoderConfig) throws {
    for (i, id) in ids.enumerated() where id < 0 || Int(id) >= config.vocabSize {
      throw TextEncoderError.tokenOutOfRange(detail: "token id \(id) at packed position \(i) is outside the vocabulary (size \(config.vocabSize))")
    }
    for (i, t) in (types ?? []).enumerated() where t < 0 || Int(t) >= config.typeVocabSize {
      throw TextEncoderError.tokenOutOfRange(
        detail: "token type id \(t) at packed position \(i) is outside the token types (type_vocab_size \(config.typeVocabSize))")
    }
    for s in 0..<layout.count where layout.length(s) > config.maxSequenceLength {
      throw TextEncoderError.tokenOutOfRange(
        detail: "sequence \(s) has \(layout.length(s)) tokens; the position table allows \(config.maxSequenceLength)")
    }
  }
}
