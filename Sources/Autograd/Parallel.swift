import Foundation

/// Row-parallel loops: one pool of threads for everything. The elementwise kernels split their
/// rows with `parallelFor`, and so does `BLAS.gemm` with a product's blocks (OpenBLAS itself
/// runs single-threaded).
public enum Parallel {
  /// Worker threads used by `parallelFor` (default: the machine's active cores).
  nonisolated(unsafe) public static var threads: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)

  /// Runs `body` with every `parallelFor` it reaches, on this thread, run in this thread alone:
  /// for work that is already split among the threads a level up (each worker embeds batches of
  /// its own), so that the kernels inside do not wait for each other.
  public static func serially<R>(_ body: () throws -> R) rethrows -> R {
    let outer = pthread_getspecific(serialKey)
    pthread_setspecific(serialKey, UnsafeRawPointer(bitPattern: 1))
    defer { pthread_setspecific(serialKey, outer) }
    return try body()
  }

  /// Whether this thread is inside `serially`.
  public static var isSerial: Bool { pthread_getspecific(serialKey) != nil }
}

/// The thread-specific flag behind `Parallel.serially` (created once, on first use).
private let serialKey: pthread_key_t = {
  var key = pthread_key_t()
  precondition(pthread_key_create(&key, nil) == 0, "Parallel: no thread-specific key left")
  return key
}()

/// Runs `body(range)` over `0..<count` split into contiguous chunks, one per worker thread.
/// Falls back to a plain call when the work is small.
@inline(__always)
public func parallelFor(_ count: Int, minChunk: Int = 1, _ body: (Range<Int>) -> Void) {
  let workers = min(Parallel.threads, max(1, count / max(minChunk, 1)))
  if workers <= 1 || count <= 1 || Parallel.isSerial {
    if count > 0 { body(0..<count) }
    return
  }
  withoutActuallyEscaping(body) { body in
    DispatchQueue.concurrentPerform(iterations: workers) { w in
      let start = count * w / workers
      let end = count * (w + 1) / workers
      if start < end { body(start..<end) }
    }
  }
}

/// dst[0..<n] = 0, split over the worker threads when large.
public func parallelZero(_ dst: UnsafeMutablePointer<Float>, count n: Int) {
  parallelFor(n, minChunk: 1 << 16) { r in (dst + r.lowerBound).update(repeating: 0, count: r.count) }
}
