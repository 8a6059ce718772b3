import COpenBLAS
import Foundation

/// A contiguous, row-major Float32 tensor that owns its 64-byte-aligned storage.
/// Shapes are row-major: the last dimension is contiguous.
public final class Tensor: @unchecked Sendable {
  public let shape: [Int]
  public let count: Int
  public let data: UnsafeMutablePointer<Float>

  /// Activations of similar sizes are allocated and freed at every training step. glibc would
  /// serve each large one with a fresh mmap, which the kernel zero-fills page by page on first
  /// touch; keeping them on the heap, never trimmed, reuses the pages from step to step.
  private static let heapKeepsLargeBlocks: Void = {
    #if canImport(Glibc)
    mallopt(M_MMAP_THRESHOLD, 32 << 20)  // glibc's maximum: blocks up to 32 MB come from the heap
    mallopt(M_TRIM_THRESHOLD, Int32.max)
    #endif
  }()

  /// A tensor whose contents are undefined until written: for outputs a kernel fully overwrites.
  public init(uninitializedShape shape: [Int]) {
    precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
    _ = Self.heapKeepsLargeBlocks
    self.shape = shape
    self.count = shape.reduce(1, *)
    let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
    self.data = raw.bindMemory(to: Float.self, capacity: max(count, 1))
  }

  /// A zero-filled tensor.
  public convenience init(shape: [Int]) {
    self.init(uninitializedShape: shape)
    parallelZero(data, count: max(count, 1))
  }

  public convenience init(shape: [Int], values: [Float]) {
    precondition(values.count == shape.reduce(1, *), "\(values.count) values do not fill shape \(shape)")
    self.init(shape: shape)
    values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: values.count) }
  }

  deinit { UnsafeMutableRawPointer(data).deallocate() }

  public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: data, count: count) }
  public var array: [Float] { Array(buffer) }
}
