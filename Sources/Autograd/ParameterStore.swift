import Foundation

/// All trainable parameters in one flat Float32 buffer, with named views (Hugging Face names,
/// e.g. `encoder.layer.3.attention.self.query.weight`), and their gradients in a twin buffer with
/// the same layout (allocated on first use: inference never needs it). Optimizer steps, zeroing
/// and checkpoint writes are single passes over the buffers.
///
/// Large tables (embedding tables: 2-D views of at least `tableMinimumRows` rows) carry two
/// optimizations, each in a file of its own: their gradient rows are tracked
/// (`ParameterStore+GradientRows.swift`), and their rows may owe weight decay that AdamW deferred
/// (`ParameterStore+OwedDecay.swift`). Readers outside the store therefore see values only
/// settled: `pointer(_:)`, `pointer(_:readingRows:)`, `pointer(spanning:)`, `withSettledValues(_:)`.
public final class ParameterStore: @unchecked Sendable {
  public struct View: Sendable {
    public let name: String
    public let shape: [Int]
    public let offset: Int
    public var count: Int { shape.reduce(1, *) }
  }

  public let views: [View]
  public let count: Int
  /// The parameters' values as stored: a table's rows may still owe weight decay. Only the tape
  /// (which settles on read) and AdamW (which settles before it updates) use it directly.
  let unsettledValues: UnsafeMutablePointer<Float>
  private let index: [String: Int]
  private var gradientStorage: Tensor?
  /// Per table view index: which rows of its gradient may be non-zero.
  let tracked: [Int: GradientRows]
  /// Per table view index: the weight decay its rows owe.
  let owed: [Int: OwedDecay]
  let owedLock = NSLock()
  /// The precision of the matrix products that read these parameters (see `Precision`); in bf16
  /// the weights' bf16 copies live in `bf16Copies` (`ParameterStore+BF16.swift`).
  public var precision: Precision = .fp32 {
    didSet { bf16Copies.invalidate() }
  }
  let bf16Copies = BF16Copies()

  /// 2-D views with at least this many rows are tables: gradient rows tracked, AdamW row by row.
  public static let tableMinimumRows = 4096

  public static func isTable(_ view: View) -> Bool { view.shape.count == 2 && view.shape[0] >= tableMinimumRows }

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
    var tracked: [Int: GradientRows] = [:]
    for (k, view) in views.enumerated() where Self.isTable(view) { tracked[k] = GradientRows(rows: view.shape[0]) }
    self.tracked = tracked
    var owed: [Int: OwedDecay] = [:]
    for k in tracked.keys { owed[k] = OwedDecay(rows: views[k].shape[0]) }
    self.owed = owed
    let raw = UnsafeMutableRawPointer.allocate(byteCount: max(offset, 1) * 4, alignment: 64)
    unsettledValues = raw.bindMemory(to: Float.self, capacity: max(offset, 1))
    unsettledValues.initialize(repeating: 0, count: max(offset, 1))
  }

  deinit {
    UnsafeMutableRawPointer(unsettledValues).deallocate()
  }

  public func view(_ name: String) -> View? { index[name].map { views[$0] } }

  /// The index of view `name` in `views`.
  public func viewIndex(_ name: String) -> Int? { index[name] }

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

  // MARK: reading and writing values, settled

  /// The values of parameter `name`, settled (every row up to date); the name must exist. They
  /// stay settled until the next optimizer step.
  public func pointer(_ name: String) -> UnsafeMutablePointer<Float> {
    guard let k = index[name] else { preconditionFailure("no parameter named \(name)") }
    settle(view: k)
    bf16Copies.invalidate(views[k].offset..<views[k].offset + views[k].count)  // the caller may write
    return unsettledValues + views[k].offset
  }

  /// The values of parameter `name` for a reader of rows `rows` only (an embedding gather): of
  /// a table only those rows are settled, the others may still owe weight decay.
  public func pointer(_ name: String, readingRows rows: UnsafeBufferPointer<Int32>) -> UnsafeMutablePointer<Float> {
    guard let k = index[name] else { preconditionFailure("no parameter named \(name)") }
    settle(view: k, rows: rows)
    return unsettledValues + views[k].offset
  }

  /// The values of parameters `names` as one tensor when they lie back to back (see
  /// `contiguousOffset`), settled; nil otherwise.
  public func pointer(spanning names: [String]) -> UnsafeMutablePointer<Float>? {
    guard let offset = contiguousOffset(names) else { return nil }
    for name in names { settle(view: index[name]!) }
    bf16Copies.invalidate(offset..<offset + names.reduce(0) { $0 + views[index[$1]!].count })  // the caller may write
    return unsettledValues + offset
  }

  /// Calls `body` with the whole values buffer (`count` floats, laid out as `views`), every
  /// table settled first: for reading or replacing the parameters wholesale (saving, loading,
  /// fingerprints). Writes through the pointer are the parameters' new values.
  public func withSettledValues<R>(_ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
    settleAll()
    bf16Copies.invalidate()  // the caller may write
    return try body(unsettledValues)
  }

  // MARK: gradients

  /// The gradient buffer, `count` floats laid out like the values; allocated zeroed on first
  /// use. For the tape, the optimizer and the store itself, which keep the row tracking right.
  var gradientBuffer: UnsafeMutablePointer<Float> {
    if let g = gradientStorage { return g.data }
    // a Tensor: zero-filled, and mapped from the kernel's zero pages when large
    let g = Tensor(shape: [max(count, 1)])
    gradientStorage = g
    return g.data
  }

  /// The gradient buffer for any reader or writer: marks every table's gradient dense (any row
  /// may be non-zero) until the next `zeroGrad`, so that a direct write is never missed.
  public func denseGradients() -> UnsafeMutablePointer<Float> {
    noteDenseGradient(views: Array(tracked.keys))
    return gradientBuffer
  }

  /// The gradient of parameter `name`; the name must exist. Marks a table's gradient dense (see
  /// `denseGradients()`).
  public func denseGradient(_ name: String) -> UnsafeMutablePointer<Float> {
    guard let k = index[name] else { preconditionFailure("no parameter named \(name)") }
    noteDenseGradient(views: [k])
    return gradientBuffer + views[k].offset
  }

  /// Sets every gradient to zero: one pass over the gradient buffer, or for a table only over
  /// the rows that can be non-zero.
  public func zeroGrad() {
    let g = gradientBuffer
    forEachStretch { start, n in
      parallelZero(g + start, count: n)
    } table: { k in
      zeroGradientRows(view: k)
    }
  }
}
