import Foundation

/// A contiguous, row-major Float32 tensor that owns its 64-byte-aligned storage.
/// Shapes are row-major: the last dimension is contiguous.
public final class Tensor: @unchecked Sendable {
  public let shape: [Int]
  public let count: Int
  public let data: UnsafeMutablePointer<Float>

  /// A zero-filled tensor.
  public init(shape: [Int]) {
    precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
    self.shape = shape
    self.count = shape.reduce(1, *)
    let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
    self.data = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    data.initialize(repeating: 0, count: max(count, 1))
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
