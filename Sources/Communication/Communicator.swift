/// The collectives data-parallel training needs, over the processes ("ranks") of one run. Every
/// rank calls the same collectives in the same order; each returns on every rank the same result.
/// `SingleProcess` is the default (one rank; every collective is the identity); `MPICommunicator`
/// runs under `mpirun`; `ThreadGroup` runs ranks as threads of one process.
public protocol Communicator: AnyObject, Sendable {
  var rank: Int { get }
  var size: Int { get }
  /// Sums `count` floats elementwise over the ranks, in place.
  func allReduceSum(_ buffer: UnsafeMutablePointer<Float>, count: Int) throws
  /// Sums doubles elementwise over the ranks.
  func allReduceSum(_ values: [Double]) throws -> [Double]
  /// Every rank's floats, rank after rank; `counts[r]` is rank r's count, known to every rank.
  func allGather(_ local: UnsafeBufferPointer<Float>, counts: [Int]) throws -> [Float]
  /// Sums every rank's `buffer` (rank r's part `counts[r]` long, rank after rank) over the
  /// ranks; returns this rank's part of the sum.
  func reduceScatterSum(_ buffer: UnsafeBufferPointer<Float>, counts: [Int]) throws -> [Float]
  /// Every rank's integers, rank after rank (counts may differ and need not be known).
  func allGather(_ local: [Int32]) throws -> [[Int32]]
  /// Rank `root`'s bytes on every rank.
  func broadcast(_ bytes: [UInt8], root: Int) throws -> [UInt8]
  func barrier() throws
  /// A barrier with no time limit (MPI's watchdog leaves it alone): for waits of unknown
  /// length, such as the other ranks waiting while rank 0 alone builds or searches.
  func waitForAll() throws
  /// Seconds spent in collectives so far (waiting for the other ranks included).
  var collectiveSeconds: Double { get }
}

extension Communicator {
  public var isRoot: Bool { rank == 0 }

  /// The near-equal contiguous share of `0..<count` that rank `r` owns (the first
  /// `count % size` ranks one more).
  public func share(of count: Int, rank r: Int? = nil) -> Range<Int> {
    Self.share(of: count, rank: r ?? rank, size: size)
  }

  public static func share(of count: Int, rank r: Int, size: Int) -> Range<Int> {
    let base = count / size, extra = count % size
    let start = r * base + min(r, extra)
    return start..<(start + base + (r < extra ? 1 : 0))
  }

  /// Contiguous shares of items `lengths` tokens long, one per rank, with near-equal token
  /// counts: share r ends where the running count comes closest to (r + 1)/size of the total.
  public func shares(lengths: [Int]) -> [Range<Int>] { Self.shares(lengths: lengths, size: size) }

  public static func shares(lengths: [Int], size: Int) -> [Range<Int>] {
    let total = lengths.reduce(0, +)
    var bounds = [0], i = 0, sum = 0
    for r in 1..<max(size, 1) {
      let target = Double(total) * Double(r) / Double(size)
      // step while the next item's end comes closer to the target than the current end
      while i < lengths.count, abs(Double(sum + lengths[i]) - target) < abs(Double(sum) - target) {
        sum += lengths[i]
        i += 1
      }
      bounds.append(i)
    }
    bounds.append(lengths.count)
    return (0..<max(size, 1)).map { bounds[$0]..<bounds[$0 + 1] }
  }

  /// The rank that embeds each text of a batch whose texts are `lengths` tokens long, so that
  /// every rank gets a near-equal share of the tokens (the work): the longest text first, each
  /// to the rank with the fewest tokens so far (ties to the lower rank, and equal lengths in
  /// text order, so every rank computes the same owners). On one rank, all 0.
  public func balancedOwners(lengths: [Int]) -> [Int] {
    Self.balancedOwners(lengths: lengths, size: size)
  }

  public static func balancedOwners(lengths: [Int], size: Int) -> [Int] {
    var owners = [Int](repeating: 0, count: lengths.count)
    guard size > 1 else { return owners }
    var load = [Int](repeating: 0, count: size)
    for i in lengths.indices.sorted(by: { (lengths[$0], $1) > (lengths[$1], $0) }) {
      let r = load.indices.min { (load[$0], $0) < (load[$1], $1) }!
      owners[i] = r
      load[r] += lengths[i]
    }
    return owners
  }

  /// Every rank's `local` floats, rank after rank, when the counts are not known in advance.
  public func allGather(_ local: [Float]) throws -> [Float] {
    let counts = try allGather([Int32(local.count)]).map { Int($0[0]) }
    return try local.withUnsafeBufferPointer { try allGather($0, counts: counts) }
  }

  /// Rank 0's value of a string, on every rank.
  public func broadcast(_ text: String) throws -> String {
    String(decoding: try broadcast(Array(text.utf8), root: 0), as: UTF8.self)
  }
}

public struct CommunicationError: Error, CustomStringConvertible {
  public let description: String
  public init(_ description: String) { self.description = description }
}

/// One process: rank 0 of 1.
public final class SingleProcess: Communicator {
  public init() {}
  public var rank: Int { 0 }
  public var size: Int { 1 }
  public func allReduceSum(_ buffer: UnsafeMutablePointer<Float>, count: Int) {}
  public func allReduceSum(_ values: [Double]) -> [Double] { values }
  public func allGather(_ local: UnsafeBufferPointer<Float>, counts: [Int]) -> [Float] { Array(local) }
  public func allGather(_ local: [Int32]) -> [[Int32]] { [local] }
  public func reduceScatterSum(_ buffer: UnsafeBufferPointer<Float>, counts: [Int]) -> [Float] { Array(buffer) }
  public func broadcast(_ bytes: [UInt8], root: Int) -> [UInt8] { bytes }
  public func barrier() {}
  public func waitForAll() {}
  public var collectiveSeconds: Double { 0 }
}
