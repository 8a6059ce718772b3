import CMPI
import Foundation

/// The ranks of an `mpirun` job, through Open MPI loaded at run time (see `cmpi.h`): nothing is
/// linked at build time, so the same binary runs with or without MPI.
///
/// A rank that dies makes `mpirun` stop the others (Open MPI's default); where it cannot (a
/// network split between hosts, a rank that hangs), a watchdog ends a rank whose collective has
/// waited longer than `timeout` seconds for the others, with a message naming the collective.
public final class MPICommunicator: Communicator, @unchecked Sendable {
  public let rank: Int
  public let size: Int
  let watchdog: Watchdog

  /// True when this process was started by Open MPI's launcher.
  public static var launched: Bool { cmpi_launched() != 0 }

  /// Loads libmpi and joins the job. `timeout`: seconds a collective may wait for the other ranks.
  public init(timeout: Double) throws {
    var error = [CChar](repeating: 0, count: 512)
    guard cmpi_init(&error, error.count) == 0 else {
      throw CommunicationError(String(cString: error))
    }
    rank = Int(cmpi_rank())
    size = Int(cmpi_size())
    watchdog = Watchdog(rank: rank, size: size, timeout: timeout)
    cmpi_on_termination(
      "trainer: rank \(rank) of \(size) stopped by SIGTERM: mpirun stops every rank when one fails (see its message) "
        + "or when the job is cancelled. Checkpoints written before this point are complete; resume with --resume.\n")
  }

  public func finalize() { _ = cmpi_finalize() }

  func check(_ code: Int32, _ what: String) throws {
    guard code == 0 else {
      var text = [CChar](repeating: 0, count: 512)
      cmpi_error_string(code, &text, text.count)
      throw CommunicationError("MPI \(what) failed on rank \(rank) of \(size): \(String(cString: text))")
    }
  }

  public private(set) var collectiveSeconds: Double = 0

  func collective(_ what: String, watched: Bool = true, _ body: () -> Int32) throws {
    if watched { watchdog.enter(what) }
    let t0 = DispatchTime.now().uptimeNanoseconds
    let code = body()
    collectiveSeconds += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
    if watched { watchdog.leave() }
    try check(code, what)
  }

  public func allReduceSum(_ buffer: UnsafeMutablePointer<Float>, count: Int) throws {
    try collective("allreduce of \(count) floats") { cmpi_allreduce_float_sum(buffer, Int64(count)) }
  }

  public func allReduceSum(_ values: [Double]) throws -> [Double] {
    var v = values
    try collective("allreduce of \(values.count) doubles") { cmpi_allreduce_double_sum(&v, Int64(v.count)) }
    return v
  }

  public func allGather(_ local: UnsafeBufferPointer<Float>, counts: [Int]) throws -> [Float] {
    guard local.count == counts[rank] else {
      throw CommunicationError("allgather: rank \(rank) holds \(local.count) floats, the counts say \(counts[rank])")
    }
    var out = [Float](repeating: 0, count: counts.reduce(0, +))
    let c = counts.map { Int32($0) }
    try collective("allgather of \(out.count) floats") {
      cmpi_allgatherv_float(local.baseAddress, Int32(local.count), &out, c)
    }
    return out
  }

  public func reduceScatterSum(_ buffer: UnsafeBufferPointer<Float>, counts: [Int]) throws -> [Float] {
    guard buffer.count == counts.reduce(0, +) else {
      throw CommunicationError("reduce-scatter: rank \(rank) holds \(buffer.count) floats, the counts say \(counts.reduce(0, +))")
    }
    var out = [Float](repeating: 0, count: counts[rank])
    let c = counts.map { Int32($0) }
    try collective("reduce-scatter of \(buffer.count) floats") { cmpi_reduce_scatter_float_sum(buffer.baseAddress, &out, c) }
    return out
  }

  public func allGather(_ local: [Int32]) throws -> [[Int32]] {
    var counts = [Int32](repeating: 0, count: size)
    try collective("allgather of counts") { cmpi_allgather_int32(Int32(local.count), &counts) }
    var out = [Int32](repeating: 0, count: Int(counts.reduce(0, +)))
    try collective("allgather of \(out.count) integers") { cmpi_allgatherv_int32(local, Int32(local.count), &out, counts) }
    var parts: [[Int32]] = [], start = 0
    for c in counts {
      parts.append(Array(out[start..<start + Int(c)]))
      start += Int(c)
    }
    return parts
  }

  public func broadcast(_ bytes: [UInt8], root: Int) throws -> [UInt8] {
    var count = [Int64(rank == root ? bytes.count : 0)]
    try collective("broadcast of a size") { cmpi_allreduce_int64_max(&count, 1) }
    var buffer = rank == root ? bytes : [UInt8](repeating: 0, count: Int(count[0]))
    try collective("broadcast of \(count[0]) bytes") { cmpi_bcast_bytes(&buffer, count[0], Int32(root)) }
    return buffer
  }

  public func barrier() throws {
    try collective("barrier") { cmpi_barrier() }
  }

  public func waitForAll() throws {
    try collective("barrier", watched: false) { cmpi_barrier() }
  }
}

/// Ends the process when a collective has waited longer than `timeout` seconds: the other ranks
/// are gone or stuck, and waiting longer would hang the job for ever.
final class Watchdog: @unchecked Sendable {
  let lock = NSLock()
  var pending: (what: String, since: Date)?
  let rank: Int, size: Int, timeout: Double

  init(rank: Int, size: Int, timeout: Double) {
    self.rank = rank
    self.size = size
    self.timeout = timeout
    let thread = Thread { [unowned self] in self.watch() }
    thread.start()
  }

  func enter(_ what: String) {
    lock.lock()
    pending = (what, Date())
    lock.unlock()
  }

  func leave() {
    lock.lock()
    pending = nil
    lock.unlock()
  }

  func watch() {
    while true {
      Thread.sleep(forTimeInterval: min(1, timeout / 4))
      lock.lock()
      let p = pending
      lock.unlock()
      if let p, Date().timeIntervalSince(p.since) > timeout {
        let message = "trainer: rank \(rank) of \(size) waited \(Int(timeout)) s in an MPI \(p.what) for the other ranks; "
          + "one of them has died or hangs, so this rank stops (TRAINER_MPI_TIMEOUT sets the limit). "
          + "Checkpoints written before this point are complete; resume with --resume.\n"
        FileHandle.standardError.write(Data(message.utf8))
        _exit(3)
      }
    }
  }
}
