import Foundation

/// bf16 copies of the weights that enter matrix products, for a store whose `precision` is bf16:
/// made on first use and kept until the values change (an optimizer step, or a write through
/// `pointer(_:)`, `pointer(spanning:)` or `withSettledValues(_:)`), so that a weight is rounded
/// once per optimizer step, not once per product.
final class BF16Copies: @unchecked Sendable {
  private var copies: [Int: BF16.Buffer] = [:]  // by offset into the store
  private let lock = NSLock()

  /// The copy of the `count` values at `offset`; a user keeps it alive (a backward kernel
  /// keeps its forward's copy) even after the cache has let it go.
  func copy(offset: Int, count: Int, of values: UnsafePointer<Float>) -> BF16.Buffer {
    lock.lock()
    defer { lock.unlock() }
    if let c = copies[offset], c.count == count { return c }
    let c = BF16.Buffer(rounding: values + offset, count: count)
    copies[offset] = c
    return c
  }

  /// Forgets the copies that overlap `range` of the store (all of them without a range).
  func invalidate(_ range: Range<Int>? = nil) {
    lock.lock()
    defer { lock.unlock() }
    guard let range else { return copies.removeAll(keepingCapacity: true) }
    for (offset, c) in copies where offset < range.upperBound && offset + c.count > range.lowerBound {
      copies[offset] = nil
    }
  }
}

extension ParameterStore {
  /// The bf16 copy of the `count` values at `values` (a pointer into this store: a weight, or
  /// several back to back) when the store's precision is bf16; nil in fp32.
  public func bf16Copy(of values: UnsafePointer<Float>, count: Int) -> BF16.Buffer? {
    guard precision == .bf16 else { return nil }
    let offset = values - UnsafePointer(unsettledValues)
    precondition(offset >= 0 && offset + count <= self.count, "bf16Copy: the values are not in this store")
    return bf16Copies.copy(offset: offset, count: count, of: unsettledValues)
  }

  /// The bf16 copy of parameter `names` (one, or several back to back), settled first; nil in fp32.
  public func bf16Copy(_ names: [String]) -> BF16.Buffer? {
    guard precision == .bf16 else { return nil }
    let offset = names.count == 1 ? view(names[0])!.offset : contiguousOffset(names)!
    for name in names { settle(view: viewIndex(name)!) }
    let count = names.reduce(0) { $0 + view($1)!.count }
    return bf16Copies.copy(offset: offset, count: count, of: unsettledValues)
  }
}
