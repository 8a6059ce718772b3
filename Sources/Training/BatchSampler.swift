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
