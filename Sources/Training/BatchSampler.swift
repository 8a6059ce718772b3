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
    var batches: [[Int]] = []
    var pending = order[...]
    while !pending.isEmpty {
      var batch: [Int] = [], texts = Set<String>(), deferred: [Int] = []
      while batch.count < batchSize, let i = pending.popFirst() {
        let t = examples[i].texts
        if t.contains(where: texts.contains) {
          deferred.append(i)
        } else {
          batch.append(i)
          texts.formUnion(t)
        }
      }
      if batch.isEmpty { batch = [deferred.removeFirst()] }  // nothing else left: duplicates within one example
      batches.append(batch)
      pending = (deferred + pending)[...]
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
