import Autograd
import Communication
import TextEncoder

/// The step's one path. Every rank holds the whole global batch (the same examples, from the
/// same sampler) and embeds its own share of its texts; the rows are all-gathered so each
/// rank's loss sees every rank's candidates, and the loss's gradient with respect to each row
/// goes back to the rank that owns it. The parameter gradients are then summed over the ranks
/// (`ParameterStore.reduceGradients`), so every rank takes the same optimizer step. One rank
/// with one part is the plain step.
extension TrainingStep {
  /// Encodes this rank's texts of `sequences` (the batch's inputs in the loss's order, with
  /// their token type ids `types`;
  /// `owners[i]` is the rank that encodes input i) into the objective's rows (embeddings, or a
  /// cross-encoder's logits), gathers every rank's rows into one (inputs, width) matrix in the
  /// loss's order, builds `loss` on it and back-propagates into the encoder.
  ///
  /// `replicated`: every rank computes the whole loss (CoSENT ranks all pairs against each
  /// other), so each already holds the full gradient of every row. Otherwise each rank's loss
  /// is its share of the batch's (its units' terms): the gradients of the rows are summed over
  /// the ranks, and so is the loss.
  ///
  /// Texts go through the encoder rank after rank, each rank's contiguous (one `TokenBatch` of
  /// the whole batch, sliced), so dropout masks follow a text's place in the whole batch and no
  /// two ranks draw the same. With `miniBatch` below this rank's text count the encoding runs
  /// as GradCache: without a graph first, then again on a tape per mini-batch for the backward.
  func embedAndBackward(
    sequences: [[Int32]], types: [[Int32]]? = nil, owners: [Int], dropout: Bool, seed: UInt64, miniBatch: Int?, replicated: Bool, profile: Bool = false,
    loss: (Tape, Variable) throws -> Variable
  ) throws -> Result {
    let comm = communicator, T = sequences.count
    let C = objective.reads == .embeddings ? encoder.config.hiddenSize : encoder.config.numLabels ?? 1
    var order: [Int] = [], ranges: [Range<Int>] = []
    for r in 0..<comm.size {
      let start = order.count
      order += (0..<T).filter { owners[$0] == r }
      ranges.append(start..<order.count)
    }
    let whole = TokenBatch(
      sequences: order.map { sequences[$0] }, types: types.map { t in order.map { t[$0] } }, config: encoder.config)
    let mine = whole.slice(ranges[comm.rank])
    let local = mine.count
    let size = min(miniBatch ?? local, local)
    let parts = size > 0 ? stride(from: 0, to: local, by: size).map { $0..<min($0 + size, local) } : []
    func forward(_ batch: TokenBatch, on tape: Tape) throws -> Variable {
      switch objective.reads {
      case .embeddings: try encoder.embed(batch, on: tape, pooling: pooling, normalize: false, dropout: dropout)
      case .logits: try encoder.logits(batch, on: tape, dropout: dropout)
      }
    }

    // 1. this rank's rows: on one kept tape, or GradCache's first pass without a graph
    var kept: (tape: Tape, e: Variable)?
    var localE = [Float](repeating: 0, count: local * C)
    if parts.count == 1 {
      let tape = Tape(seed: seed, profile: profile)
      let e = try forward(mine, on: tape)
      localE = tape.array(e)
      kept = (tape, e)
    } else {
      for part in parts {
        let tape = Tape(seed: seed)
        let e = try forward(mine.slice(part), on: tape)
        localE.withUnsafeMutableBufferPointer { ($0.baseAddress! + part.lowerBound * C).update(from: tape.value(e), count: part.count * C) }
      }
    }

    // 2. every rank's rows, in the loss's order
    let gathered = try localE.withUnsafeBufferPointer { try comm.allGather($0, counts: ranges.map { $0.count * C }) }
    let embeddings = Tensor(shape: [T, C])
    withExtendedLifetime(embeddings) {
      gathered.withUnsafeBufferPointer { g in
        for (k, i) in order.enumerated() { (embeddings.data + i * C).update(from: g.baseAddress! + k * C, count: C) }
      }
    }

    // 3. the loss and its gradient with respect to every row
    let lossTape = Tape(seed: seed, profile: profile)
    let all = lossTape.input(embeddings)
    let l = try loss(lossTape, all)
    var value = lossTape.scalar(l)
    // a loss that reads no row (this rank's share of the units is empty) has no gradient: zero
    if lossTape.requiresGrad(l) { try lossTape.backward(from: l) }
    let dE = lossTape.gradient(all) ?? [Float](repeating: 0, count: T * C)
    // this rank's rows of it, in its order (texts `ranges[rank]` of `order`); without
    // `replicated` summed over the ranks' losses (a reduce-scatter in rank-major order)
    func rows(_ r: Range<Int>) -> [Float] {
      var out = [Float](repeating: 0, count: r.count * C)
      for (j, k) in r.enumerated() { out.replaceSubrange((j * C)..<((j + 1) * C), with: dE[(order[k] * C)..<((order[k] + 1) * C)]) }
      return out
    }
    var mineD: [Float]
    if !replicated && comm.size > 1 {
      let rankMajor = rows(0..<T)
      mineD = try rankMajor.withUnsafeBufferPointer { try comm.reduceScatterSum($0, counts: ranges.map { $0.count * C }) }
      value = Float(try comm.allReduceSum([Double(value)])[0])
    } else {
      mineD = rows(ranges[comm.rank])
    }

    // 4. back through the encoder
    var profiled = lossTape.profile
    if let kept {
      try kept.tape.backward(from: kept.e, seed: mineD)
      profiled = Self.merge(profiled, kept.tape.profile)
    } else {
      for part in parts {
        let tape = Tape(seed: seed)
        let e = try forward(mine.slice(part), on: tape)
        try tape.backward(from: e, seed: Array(mineD[(part.lowerBound * C)..<(part.upperBound * C)]))
      }
    }
    return Result(loss: value, tokens: whole.totalTokens, layout: whole.layout, profile: profiled)
  }

  /// Two tapes' op times added up.
  static func merge(_ a: [String: Tape.OpTime]?, _ b: [String: Tape.OpTime]?) -> [String: Tape.OpTime]? {
    guard var merged = a, let b else { return a ?? b }
    for (op, t) in b {
      merged[op, default: .init()].forward += t.forward
      merged[op, default: .init()].backward += t.backward
      merged[op, default: .init()].calls += t.calls
    }
    return merged
  }
}

extension ParameterStore {
  /// Sums the gradients over the ranks (see `reduceGradients(sum:unionOfRows:)`): the tables'
  /// touched rows are exchanged first, so only rows some rank touched travel.
  public func reduceGradients(over comm: any Communicator) throws {
    try reduceGradients { pointer, count in
      try comm.allReduceSum(pointer, count: count)
    } unionOfRows: { rows in
      // a rank with a dense table sends [-1]: then every rank sums the whole table
      let all = try comm.allGather(rows ?? [-1])
      if all.contains(where: { $0.first == -1 }) { return nil }
      return Array(Set(all.joined())).sorted()
    }
  }
}

/// Every rank must hold the same weights (they load the same files and take the same steps);
/// this checks it with a fingerprint of the weights, at the start and at every checkpoint.
enum ReplicaCheck {
  /// A 64-bit fingerprint of every parameter's bits, in four lanes.
  static func fingerprint(_ store: ParameterStore) -> [Int32] {
    var a: UInt32 = 0x811C_9DC5, b: UInt32 = 0x1234_5678
    store.withSettledValues { values in
      let words = UnsafeRawPointer(values).bindMemory(to: UInt32.self, capacity: store.count)
      for i in 0..<store.count {
        let w = words[i]
        a = (a ^ w) &* 0x0100_0193
        b = b &+ (w &* 0x9E37_79B1) ^ UInt32(truncatingIfNeeded: i)
      }
    }
    return [a, b, UInt32(truncatingIfNeeded: store.count), UInt32(truncatingIfNeeded: store.count >> 32)].map { Int32(bitPattern: $0) }
  }

  static func verify(_ store: ParameterStore, communicator comm: any Communicator, when: String) throws {
    guard comm.size > 1 else { return }
    let all = try comm.allGather(fingerprint(store))
    if let r = all.indices.first(where: { all[$0] != all[0] }) {
      throw TrainingError.replicasDiffer(rank: r, when: when)
    }
  }
}
