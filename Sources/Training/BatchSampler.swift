import Autograd

/// Batches of example indices for one epoch: a seeded shuffle, then batches filled in order, an
/// example whose texts already appear in the batch being deferred to the next batch (as
/// sentence-transformers' NoDuplicatesBatchSampler does). The last batch may be short.
public enum BatchSampler {
  public static func epoch(_ examples: [TrainingExample], batchSize: Int, seed: UInt64) -> [[Int]] {
    var rng = SplitMix64(seed: seed)
    var order = Array(examples.indices)
    for i in stride(from: order.count - 1, to: 0, by: -1) {  // Fisher–Yates
      order.swapAt(i, Int(rng.next() % UInt64(i + 1)))
    }
    return fill(order, texts: { examples[$0].texts }, batchSize: batchSize)
  }

  /// The batches of `order` filled in order with deferral: batch 1 takes every example of the
  /// order it has room for whose texts it does not hold yet, batch 2 does the same over the
  /// examples left, and so on. Computed as the equivalent first fit, in one pass: each example,
  /// in order, goes to the first batch that has room and none of its texts (a batch's contents
  /// when an example is considered are the examples before it either way). The first batch
  /// without a text is tracked per text and full batches are skipped, so examples that share
  /// one text (20,000 rows with one premise) cost no scan of the batches before them.
  static func fill(_ order: [Int], texts: (Int) -> [String], batchSize: Int) -> [[Int]] {
    let size = max(batchSize, 1)
    var ids: [String: Int] = [:]
    var holders: [Set<Int>] = []  // per text: the batches that hold it
    var firstGap: [Int] = []  // per text: the first batch that does not hold it
    var batches: [[Int]] = []
    var next: [Int] = [0]  // per batch: itself while it has room, else a later batch (path-compressed); the end is batches.count
    func open(_ j: Int) -> Int {
      var r = j
      while next[r] != r { r = next[r] }
      var k = j
      while next[k] != r {
        let after = next[k]
        next[k] = r
        k = after
      }
      return r
    }
    for i in order {
      var mine: [Int] = []
      for text in texts(i) {
        let id = ids[text] ?? {
          ids[text] = holders.count
          holders.append([])
          firstGap.append(0)
          return holders.count - 1
        }()
        if !mine.contains(id) { mine.append(id) }
      }
      var j = open(mine.map { firstGap[$0] }.max() ?? 0)
      while j < batches.count, mine.contains(where: { holders[$0].contains(j) }) { j = open(j + 1) }
      if j == batches.count {
        batches.append([])
        next.append(batches.count)
      }
      batches[j].append(i)
      for id in mine {
        holders[id].insert(j)
        while holders[id].contains(firstGap[id]) { firstGap[id] += 1 }
      }
      if batches[j].count == size { next[j] = j + 1 }
    }
    return batches
  }
}

extension BatchSampler {
  /// Batches of one epoch when every batch comes from one source: each source's examples are
  /// shuffled and batched on their own (no repeated text in a batch), then the sources take
  /// turns in a seeded random order. Without weights every source gives its batches once (so
  /// sources weigh as their sizes); with weights, source k gives round(total · w_k / Σw)
  /// batches (at least one), cycling through fresh shuffles of its examples when it needs more.
  /// `sources` are ranges of `examples`; the result holds indices into `examples`.
  public static func perSourceEpoch(
    _ examples: [TrainingExample], sources: [Range<Int>], weights: [Double]?, batchSize: Int, seed: UInt64
  ) -> [[Int]] {
    func pass(_ k: Int, _ n: Int) -> [[Int]] {
      let r = sources[k]
      return epoch(Array(examples[r]), batchSize: batchSize, seed: seed &+ UInt64(k) &* 7919 &+ UInt64(n) &* 104_729)
        .map { $0.map { $0 + r.lowerBound } }
    }
    var perSource = sources.indices.map { pass($0, 0) }
    var counts = perSource.map(\.count)
    if let weights {
      let total = Double(counts.reduce(0, +)), sum = weights.reduce(0, +)
      counts = weights.map { max(1, Int(($0 / sum * total).rounded())) }
      for k in sources.indices {
        var n = 1
        while perSource[k].count < counts[k] {
          perSource[k] += pass(k, n)
          n += 1
        }
      }
    }
    var order = sources.indices.flatMap { Array(repeating: $0, count: counts[$0]) }
    var rng = SplitMix64(seed: seed ^ 0x5EED_0F_50_0CE5)
    for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
    var next = [Int](repeating: 0, count: sources.count)
    return order.map { k in
      defer { next[k] += 1 }
      return perSource[k][next[k]]
    }
  }
}
