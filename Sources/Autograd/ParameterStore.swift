/// All trainable parameters in one flat Float32 buffer, with named views (Hugging Face names,
/// e.g. `encoder.layer.3.attention.self.query.weight`). Optimizer steps, zeroing and checkpoint
/// writes are single passes over the buffer.
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

  deinit { UnsafeMutableRawPointer(values).deallocate() }

  public func view(_ name: String) -> View? { index[name].map { views[$0] } }

  /// The values of parameter `name`; the name must exist.
  public func pointer(_ name: String) -> UnsafeMutablePointer<Float> {
    guard let v = view(name) else { preconditionFailure("no parameter named \(name)") }
    return values + v.offset
  }
}
