import Foundation

/// `size` ranks as threads of one process (tests): `ThreadGroup.run(size:)` calls the body once
/// per rank, each on its own thread with its own communicator, and returns their results in
/// rank order. Collectives meet at a shared exchange: every rank posts its part, waits for all,
/// reads what it needs, and waits again before the slots are reused.
public final class ThreadGroup: Communicator, @unchecked Sendable {
  final class Exchange: @unchecked Sendable {
    let size: Int
    let condition = NSCondition()
    var slots: [Any?]
    var arrived = 0
    var generation = 0
    init(size: Int) {
      self.size = size
      slots = [Any?](repeating: nil, count: size)
    }

    /// Waits until every rank has arrived at this barrier.
    func barrier() {
      condition.lock()
      let g = generation
      arrived += 1
      if arrived == size {
        arrived = 0
        generation += 1
        condition.broadcast()
      } else {
        while generation == g { condition.wait() }
      }
      condition.unlock()
    }

    /// Posts `value`, waits for every rank's, and returns them all in rank order.
    func exchange(_ value: Any, rank: Int) -> [Any] {
      condition.lock()
      slots[rank] = value
      condition.unlock()
      barrier()
      condition.lock()
      let all = slots.map { $0! }
      condition.unlock()
      barrier()
      return all
    }
  }

  let exchange: Exchange
  public let rank: Int
  public var size: Int { exchange.size }

  init(exchange: Exchange, rank: Int) {
    self.exchange = exchange
    self.rank = rank
  }

  /// Runs `body` on `size` threads, one per rank; rethrows the first rank's error.
  public static func run<T>(size: Int, _ body: @escaping @Sendable (ThreadGroup) throws -> T) throws -> [T] {
    let exchange = Exchange(size: size)
    let box = ResultBox<T>(size: size)
    let lock = NSLock()
    let group = DispatchGroup()
    for r in 0..<size {
      group.enter()
      let thread = Thread {
        let result = Result { try body(ThreadGroup(exchange: exchange, rank: r)) }
        lock.lock()
        box.results[r] = result
        lock.unlock()
        group.leave()
      }
      thread.stackSize = 16 << 20
      thread.start()
    }
    group.wait()
    return try box.results.map { try $0!.get() }
  }

  public func allReduceSum(_ buffer: UnsafeMutablePointer<Float>, count: Int) {
    let mine = Array(UnsafeBufferPointer(start: buffer, count: count))
    let all = exchange.exchange(mine, rank: rank).map { $0 as! [Float] }
    // the same order on every rank (rank 0 first), so every rank gets the same bits
    for i in 0..<count {
      var s: Float = 0
      for part in all { s += part[i] }
      buffer[i] = s
    }
  }

  public func allReduceSum(_ values: [Double]) -> [Double] {
    let all = exchange.exchange(values, rank: rank).map { $0 as! [Double] }
    return (0..<values.count).map { i in all.reduce(0) { $0 + $1[i] } }
  }

  public func allGather(_ local: UnsafeBufferPointer<Float>, counts: [Int]) throws -> [Float] {
    guard local.count == counts[rank] else {
      throw CommunicationError("allGather: rank \(rank) holds \(local.count) floats, the counts say \(counts[rank])")
    }
    return exchange.exchange(Array(local), rank: rank).flatMap { $0 as! [Float] }
  }

  public func reduceScatterSum(_ buffer: UnsafeBufferPointer<Float>, counts: [Int]) -> [Float] {
    let all = exchange.exchange(Array(buffer), rank: rank).map { $0 as! [Float] }
    let start = counts[..<rank].reduce(0, +)
    return (start..<(start + counts[rank])).map { i in
      var s: Float = 0
      for part in all { s += part[i] }
      return s
    }
  }

  public func allGather(_ local: [Int32]) -> [[Int32]] {
    exchange.exchange(local, rank: rank).map { $0 as! [Int32] }
  }

  public func broadcast(_ bytes: [UInt8], root: Int) -> [UInt8] {
    exchange.exchange(bytes, rank: rank)[root] as! [UInt8]
  }

  public func barrier() { exchange.barrier() }
  public func waitForAll() { exchange.barrier() }
  public var collectiveSeconds: Double { 0 }
}

final class ResultBox<T>: @unchecked Sendable {
  var results: [Result<T, Error>?]
  init(size: Int) { results = Array(repeating: nil, count: size) }
}
