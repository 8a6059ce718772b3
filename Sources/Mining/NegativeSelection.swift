import Autograd

/// How hard negatives are chosen from a query's ranked hits: drop the query itself, its
/// positive and the negatives it already has; of the rest, keep ranks `window` (1-based,
/// inclusive); drop those scoring within `margin` of the positive or above
/// (1 − `relativeMargin`) × its score (likely unlabelled positives); then draw `count` of the
/// survivors at random, seeded per example so the result depends on nothing else.
public struct NegativeSelection: Sendable, Equatable {
  public var count: Int
  public var window: ClosedRange<Int>
  public var margin: Float?
  public var relativeMargin: Float?
  public var seed: UInt64

  public init(count: Int, window: ClosedRange<Int>, margin: Float? = nil, relativeMargin: Float? = nil, seed: UInt64 = 0) {
    precondition(count > 0 && window.lowerBound >= 1, "NegativeSelection: count > 0 and ranks from 1")
    self.count = count
    self.window = window
    self.margin = margin
    self.relativeMargin = relativeMargin
    self.seed = seed
  }

  /// Hits to retrieve per query so that the window survives removing the query, its positive
  /// and `given` negatives.
  public func depth(given: Int) -> Int { window.upperBound + 2 + given }

  /// What happened to one example's candidates.
  public struct Outcome: Sendable, Equatable {
    public var negatives: [Int32] = []
    public var scores: [Float] = []
    /// Hits that were the query, its positive or a negative it had.
    public var excluded = 0
    /// Ranked hits left outside the window.
    public var outsideWindow = 0
    /// Hits in the window dropped by the margins.
    public var tooClose = 0
  }

  /// Chooses the negatives of example `row` from its hits (best first; id −1 ends them).
  public func choose(
    row: Int, hits: ArraySlice<Int32>, scores: ArraySlice<Float>, query: Int32, positive: Int32, positiveScore: Float,
    given: Set<Int32> = []
  ) -> Outcome {
    var out = Outcome()
    var rank = 0
    var pool: [(Int32, Float)] = []
    for (id, s) in zip(hits, scores) where id >= 0 {
      if id == query || id == positive || given.contains(id) {
        out.excluded += 1
        continue
      }
      rank += 1
      guard window.contains(rank) else {
        out.outsideWindow += 1
        continue
      }
      if let margin, s > positiveScore - margin {
        out.tooClose += 1
        continue
      }
      if let relativeMargin, s > positiveScore * (1 - relativeMargin) {
        out.tooClose += 1
        continue
      }
      pool.append((id, s))
    }
    // a partial Fisher–Yates shuffle draws `count` of the pool; kept in rank order
    var rng = SplitMix64(seed: seed ^ (UInt64(row) &* 0x9E37_79B9_7F4A_7C15))
    var order = Array(pool.indices)
    let take = min(count, order.count)
    for i in 0..<take { order.swapAt(i, i + Int(rng.next() % UInt64(order.count - i))) }
    for i in order.prefix(take).sorted() {
      out.negatives.append(pool[i].0)
      out.scores.append(pool[i].1)
    }
    return out
  }
}
