import Foundation

/// Row-parallel loops: one pool of threads for everything. The elementwise kernels split their
/// rows with `parallelFor`, and so does `BLAS.gemm` with a product's blocks (OpenBLAS itself
/// runs single-threaded).
public enum Parallel {
  /// Worker threads used by `parallelFor` (default: the machine's active cores).
  nonisolated(unsafe) public static var threads: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)
}

/// Runs `body(range)` over `0..<count` split into contiguous chunks, one per worker thread.
/// Falls back to a plain call when the work is small.
@inline(__always)
public func parallelFor(_ count: Int, minChunk: Int = 1, _ body: (Range<Int>) -> Void) {
  let workers = min(Parallel.threads, max(1, count / max(minChunk, 1)))
  if workers <= 1 || count <= 1 {
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
