import Foundation

/// `size` ranks as threads of one process: `ThreadGroup.run(size:)` calls the body once per
/// rank, each on its own thread with its own communicator, and returns their results in rank
/// order. `trainer run` trains on such ranks by default (`--ranks`); tests use it to run
/// data-parallel ranks without MPI.
///
/// Collectives meet at a shared exchange: every rank posts its part, waits for all, reads what
/// it needs, and waits again before the slots are reused. When a rank's body throws, the
/// exchange breaks: every rank waiting in (or later entering) a collective throws too, so the
/// group ends instead of hanging.
public final class ThreadGroup: Communicator, @unchecked Sendable {
  final class Exchange: @unchecked Sendable {
    let size: Int
    let condition = NSCondition()
    var slots: [Any?]
    var arrived = 0
    var generation = 0
    var broken = false
    init(size: Int) {
      self.size = size
      slots = [Any?](repeating: nil, count: size)
    }

    /// Waits until every rank has arrived at this barrier.
    func barrier() throws {
      condition.lock()
      defer { condition.unlock() }
      if broken { throw CommunicationError("another rank of the group failed") }
      let g = generation
      arrived += 1
      if arrived == size {
        arrived = 0
        generation += 1
        condition.broadcast()
      } else {
        while generation == g && !broken { condition.wait() }
        if broken { throw CommunicationError("another rank of the group failed") }
      }
    }

    func breakAll() {
      condition.lock()
      broken = true
      condition.broadcast()
      condition.unlock()
    }

    /// Posts `value`, waits for every rank's, and returns them all in rank order.
    func exchange(_ value: Any, rank: Int) throws -> [Any] {
      condition.lock()
      slots[rank] = value
      condition.unlock()
      try barrier()
      condition.lock()
      let all = slots.map { $0! }
      condition.unlock()
      try barrier()
      return all
    }
  }

  let exchange: Exchange
  public let rank: Int
  public var size: Int { exchange.size }
  public private(set) var collectiveSeconds: Double = 0

  init(exchange: Exchange, rank: Int) {
    self.exchange = exchange
    self.rank = rank
  }

  /// Runs `body` on `size` threads, one per rank. If a rank throws, the others' collectives
  /// throw as well; the first error that is not such a consequence is rethrown.
  public static func run<T>(size: Int, _ body: @escaping @Sendable (ThreadGroup) throws -> T) throws -> [T] {
    let exchange = Exchange(size: size)
    let box = ResultBox<T>(size: size)
    let lock = NSLock()
    let group = DispatchGroup()
    for r in 0..<size {
      group.enter()
      let thread = Thread {
        let result = Result { try body(ThreadGroup(exchange: exchange, rank: r)) }
        if case .failure = result { exchange.breakAll() }
        lock.lock()
        box.results[r] = result
        lock.unlock()
        group.leave()
      }
      thread.stackSize = 16 << 20
      thread.start()
    }
    group.wait()
    let failures = box.results.compactMap { r -> Error? in if case .failure(let e) = r! { return e } else { return nil } }
    if let first = failures.first(where: { !($0 is CommunicationError) }) ?? failures.first { throw first }
    return box.results.map { try! $0!.get() }
  }

  func timed<R>(_ body: () throws -> R) rethrows -> R {
    let t0 = DispatchTime.now().uptimeNanoseconds
    defer { collectiveSeconds += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9 }
    return try body()
  }

  /// Each rank sums its own slice of every rank's buffer (ranks in order, so every element is
  /// summed once, the same way) and writes the sum into every buffer.
  public func allReduceSum(_ buffer: UnsafeMutablePointer<Float>, count: Int) throws {
    try timed {
      let buffers = try exchange.exchange(UInt(bitPattern: buffer), rank: rank).map { UnsafeMutablePointer<Float>(bitPattern: $0 as! UInt)! }
      let slice = Self.share(of: count, rank: rank, size: size)
      if !slice.isEmpty {
        // summed into rank 0's buffer, then copied into the others'
        let sum = buffers[0] + slice.lowerBound, n = slice.count
        for b in buffers.dropFirst() {
          let p = b + slice.lowerBound
          for i in 0..<n { sum[i] += p[i] }
        }
        for b in buffers.dropFirst() { (b + slice.lowerBound).update(from: sum, count: n) }
      }
      try exchange.barrier()  // every slice written before any rank reads its buffer
    }
  }

  public func allReduceSum(_ values: [Double]) throws -> [Double] {
    try timed {
      let all = try exchange.exchange(values, rank: rank).map { $0 as! [Double] }
      return (0..<values.count).map { i in all.reduce(0) { $0 + $1[i] } }
    }
  }

  public func allGather(_ local: UnsafeBufferPointer<Float>, counts: [Int]) throws -> [Float] {
    guard local.count == counts[rank] else {
      throw CommunicationError("allGather: rank \(rank) holds \(local.count) floats, the counts say \(counts[rank])")
    }
    return try timed { try exchange.exchange(Array(local), rank: rank).flatMap { $0 as! [Float] } }
  }

  public func reduceScatterSum(_ buffer: UnsafeBufferPointer<Float>, counts: [Int]) throws -> [Float] {
    try timed {
      let all = try exchange.exchange(Array(buffer), rank: rank).map { $0 as! [Float] }
      let start = counts[..<rank].reduce(0, +)
      return (start..<(start + counts[rank])).map { i in
        var s: Float = 0
        for part in all { s += part[i] }
        return s
      }
    }
  }

  public func allGather(_ local: [Int32]) throws -> [[Int32]] {
    try timed { try exchange.exchange(local, rank: rank).map { $0 as! [Int32] } }
  }

  public func broadcast(_ bytes: [UInt8], root: Int) throws -> [UInt8] {
    try exchange.exchange(bytes, rank: rank)[root] as! [UInt8]
  }

  public func barrier() throws { try exchange.barrier() }
  public func waitForAll() throws { try exchange.barrier() }
}

final class ResultBox<T>: @unchecked Sendable {
  var results: [Result<T, Error>?]
  init(size: Int) { results = Array(repeating: nil, count: size) }
}
