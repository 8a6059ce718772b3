import Autograd

/// A batch of token sequences packed end to end: flat token ids and position ids plus the
/// offsets of each sequence. Dense layers see one (T_total, C) matrix with no padding.
public struct TokenBatch: Sendable, Equatable {
  public let ids: [Int32]
  public let positions: [Int32]
  public let layout: SequenceLayout

  /// Packs sequences of token ids; position ids follow the config (XLM-R starts at pad + 1).
  public init(sequences: [[Int32]], config: EncoderConfig) {
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
  }

  public var count: Int { layout.count }
  public var totalTokens: Int { ids.count }

  /// Checks every id and position against the tables of `config`.
  public func validate(for config: EncoderConfig) throws {
    for (i, id) in ids.enumerated() where id < 0 || Int(id) >= config.vocabSize {
      throw TextEncoderError.tokenOutOfRange(detail: "token id \(id) at packed position \(i) is outside the vocabulary (size \(config.vocabSize))")
    }
    for s in 0..<layout.count where layout.length(s) > config.maxSequenceLength {
      throw TextEncoderError.tokenOutOfRange(
        detail: "sequence \(s) has \(layout.length(s)) tokens; the position table allows \(config.maxSequenceLength)")
    }
  }
}
