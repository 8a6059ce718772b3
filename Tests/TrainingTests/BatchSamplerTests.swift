import Autograd
import Testing
import Training

/// The no-duplicate sampler: the one-pass first fit gives exactly the batches of the earlier
/// deferring sampler (kept here as the reference) on inputs full of shared texts, and rows that
/// all share one text no longer take quadratic time.
@Suite struct BatchSamplerTests {
  /// The sampler as it was: batches filled in order, an example with a text already in the
  /// batch deferred to the next, the deferred ones first in line again (quadratic).
  static func reference(_ examples: [TrainingExample], batchSize: Int, seed: UInt64) -> [[Int]] {
    var rng = SplitMix64(seed: seed)
    var order = Array(examples.indices)
    for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
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
      if batch.isEmpty { batch = [deferred.removeFirst()] }
      batches.append(batch)
      pending = (deferred + pending)[...]
    }
    return batches
  }

  /// Random triplets and pairs drawn from few texts (so most examples share one with others,
  /// some repeat a text within themselves), at several batch sizes.
  @Test func sameBatchesAsTheDeferringSampler() {
    var g = SplitMix64(seed: 42)
    func pick(_ n: Int) -> Int { Int(g.next() % UInt64(n)) }
    for trial in 0..<300 {
      let pool = 1 + pick(40), count = 1 + pick(120)
      let examples: [TrainingExample] = (0..<count).map { _ in
        let text = { "t\(pick(pool))" }
        switch pick(3) {
        case 0: return .triplet(query: text(), positive: text(), negatives: (0..<pick(3)).map { _ in text() })
        case 1: return .pair(text(), text(), score: 1)
        default: return .triplet(query: "q\(pick(2 * pool))", positive: "p\(pick(4 * pool))", negatives: [])
        }
      }
      let batchSize = [1, 2, 3, 4, 8, 32, 200][trial % 7]
      let seed = g.next()
      #expect(BatchSampler.epoch(examples, batchSize: batchSize, seed: seed) == Self.reference(examples, batchSize: batchSize, seed: seed))
    }
  }

  /// 60,000 rows sharing one premise: one example per batch, at once (the deferring sampler
  /// rescanned every row left for every batch: 20,000 rows took 35 s in a release build, and
  /// this test ran past its minute there).
  @Test(.timeLimit(.minutes(1))) func rowsSharingOnePremiseAreBatchedInLinearTime() {
    let examples: [TrainingExample] = (0..<60_000).map { .triplet(query: "premise", positive: "h\($0)", negatives: ["n\($0)"]) }
    let batches = BatchSampler.epoch(examples, batchSize: 32, seed: 1)
    #expect(batches.count == 60_000 && batches.allSatisfy { $0.count == 1 })
    #expect(Set(batches.map { $0[0] }).count == 60_000)
  }
}
