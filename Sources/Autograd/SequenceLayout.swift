/// Where each sequence of a packed batch lives: sequence i owns rows offsets[i]..<offsets[i+1] of
/// every `[T_total, C]` activation. No padding anywhere.
public struct SequenceLayout: Sendable, Equatable {
  public let offsets: [Int]

  public init(lengths: [Int]) {
    precondition(lengths.allSatisfy { $0 > 0 }, "every packed sequence needs at least one token")
    var o = [0]
    o.reserveCapacity(lengths.count + 1)
    for l in lengths { o.append(o.last! + l) }
    offsets = o
  }

  public var count: Int { offsets.count - 1 }
  public var totalTokens: Int { offsets.last! }
  public func length(_ i: Int) -> Int { offsets[i + 1] - offsets[i] }
  public var maxLength: Int { (0..<count).map(length).max() ?? 0 }
}
