import COpenBLAS
import Foundation

/// A contiguous, row-major Float32 tensor that owns its 64-byte-aligned storage.
/// Shapes are row-major: the last dimension is contiguous.
public final class Tensor: @unchecked Sendable {
  public let shape: [Int]
  public let count: Int
  public let data: UnsafeMutablePointer<Float>
  /// Whether `data` was mapped fresh from the kernel (`ZeroedFloats`) rather than taken from the heap.
  private let mapped: Bool

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
  public convenience init(uninitializedShape shape: [Int]) { self.init(shape, zeroed: false) }

  /// A zero-filled tensor. A large one is mapped from the kernel's zero pages (see `ZeroedFloats`).
  public convenience init(shape: [Int]) { self.init(shape, zeroed: true) }

  private init(_ shape: [Int], zeroed: Bool) {
    precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
    _ = Self.heapKeepsLargeBlocks
    self.shape = shape
    self.count = shape.reduce(1, *)
    if zeroed, let p = ZeroedFloats.mapped(count) {
      data = p
      mapped = true
    } else {
      let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
      data = raw.bindMemory(to: Float.self, capacity: max(count, 1))
      mapped = false
      if zeroed { parallelZero(data, count: max(count, 1)) }
    }
  }

  public convenience init(shape: [Int], values: [Float]) {
    precondition(values.count == shape.reduce(1, *), "\(values.count) values do not fill shape \(shape)")
    self.init(shape: shape)
    values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: values.count) }
  }

  deinit {
    if mapped { ZeroedFloats.unmap(data, count) } else { UnsafeMutableRawPointer(data).deallocate() }
  }

  public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: data, count: count) }
  public var array: [Float] { Array(buffer) }
}

/// Large zero-filled buffers (AdamW moments, the gradient buffer: hundreds of MB) are mapped
/// straight from the kernel: its zero pages cost nothing until written, so the rows of an
/// embedding table that are never trained never become resident, and nothing sweeps them with
/// zeros first. Page-aligned.
private enum ZeroedFloats {
  /// Buffers of at least this many floats are mapped (64 MB).
  static let minimumCount = 16 << 20

  /// A mapped zero-filled buffer of `count` floats, or nil when it is small (or the mapping
  /// fails): the caller then allocates and zeroes it itself.
  static func mapped(_ count: Int) -> UnsafeMutablePointer<Float>? {
    guard count >= minimumCount else { return nil }
    let p = mmap(nil, count * 4, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
    guard let p, p != MAP_FAILED else { return nil }
    return p.bindMemory(to: Float.self, capacity: count)
  }

  static func unmap(_ p: UnsafeMutablePointer<Float>, _ count: Int) { munmap(UnsafeMutableRawPointer(p), count * 4) }
}
