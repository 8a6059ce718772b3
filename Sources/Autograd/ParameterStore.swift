/// All trainable parameters in one flat Float32 buffer, with named views (Hugging Face names,
/// e.g. `encoder.layer.3.attention.self.query.weight`), and their gradients in a twin buffer with
/// the same layout (allocated on first use: inference never needs it). Optimizer steps, zeroing
/// and checkpoint writes are single passes over the buffers.
public final class ParameterStore: @unchecked Sendable {
  public struct View: Sendable {
    public let name: String
    public let shape: [Int]
    public let offset: Int
    public var count: Int { shape.reduce(1, *) }
  }

  public let views: [View]
  public let count: Int
  public let values: UnsafeMutablePointer<Float>
  private let index: [String: Int]
  private var gradientStorage: UnsafeMutablePointer<Float>?

  /// Allocates zeroed storage for parameters with these names and shapes, in this order.
  public init(specs: [(name: String, shape: [Int])]) {
    var views: [View] = []
    var index: [String: Int] = [:]
    var offset = 0
    for (name, shape) in specs {
      precondition(index[name] == nil, "parameter \(name) declared twice")
      index[name] = views.count
      views.append(View(name: name, shape: shape, offset: offset))
      // keep every view 64-byte aligned
      offset += (shape.reduce(1, *) + 15) / 16 * 16
    }
    self.views = views
    self.index = index
    self.count = offset
    let raw = UnsafeMutableRawPointer.allocate(byteCount: max(offset, 1) * 4, alignment: 64)
    values = raw.bindMemory(to: Float.self, capacity: max(offset, 1))
    values.initialize(repeating: 0, count: max(offset, 1))
  }

  deinit {
    UnsafeMutableRawPointer(values).deallocate()
    gradientStorage.map { UnsafeMutableRawPointer($0).deallocate() }
  }

  /// The gradient buffer, `count` floats laid out like `values`; allocated zeroed on first use.
  public var gradients: UnsafeMutablePointer<Float> {
    if let g = gradientStorage { return g }
    let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
    let g = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    g.initialize(repeating: 0, count: max(count, 1))
    gradientStorage = g
    return g
  }

  /// Sets every gradient to zero: one pass over the gradient buffer.
  public func zeroGrad() {
    let g = gradients
    parallelFor(count, minChunk: 1 << 16) { r in (g + r.lowerBound).update(repeating: 0, count: r.count) }
  }

  public func view(_ name: String) -> View? { index[name].map { views[$0] } }

  /// The values of parameter `name`; the name must exist.
  public func pointer(_ name: String) -> UnsafeMutablePointer<Float> {
    guard let v = view(name) else { preconditionFailure("no parameter named \(name)") }
    return values + v.offset
  }

  /// The L2 norm of all gradients together (accumulated in Double).
  public func gradientNorm() -> Double {
    let g = gradients
    let chunks = max(1, Parallel.threads)
    var partial = [Double](repeating: 0, count: chunks)
    partial.withUnsafeMutableBufferPointer { part in
      parallelFor(chunks) { r in
        for c in r {
          var s = 0.0
          for i in (count * c / chunks)..<(count * (c + 1) / chunks) { s += Double(g[i]) * Double(g[i]) }
          part[c] = s
        }
      }
    }
    return partial.reduce(0, +).squareRoot()
  }

  /// The offset of parameters `names` when they lie back to back in this order (no padding
  /// between them), so that together they form one larger tensor; nil otherwise.
  public func contiguousOffset(_ names: [String]) -> Int? {
    guard let first = names.first.flatMap(view) else { return nil }
    var next = first.offset
    for name in names {
      guard let v = view(name), v.offset == next else { return nil }
      next += v.count
    }
    return first.offset
  }

  /// The gradient of parameter `name`; the name must exist.
  public func gradient(_ name: String) -> UnsafeMutablePointer<Float> {
    guard let v = view(name) else { preconditionFailure("no parameter named \(name)") }
    return gradients + v.offset
  }
}
