import Foundation

/// All trainable parameters in one flat Float32 buffer, with named views (Hugging Face names,
/// e.g. `encoder.layer.3.attention.self.query.weight`), and their gradients in a twin buffer with
/// the same layout (allocated on first use: inference never needs it). Optimizer steps, zeroing
/// and checkpoint writes are single passes over the buffers.
///
/// Large tables (embedding tables: 2-D views of at least `tableMinimumRows` rows) have their
/// gradient rows tracked: after `zeroGrad`, only the rows an op declared through the tape (the
/// embedding gather's scatter-add) can be non-zero, so zeroing, the norm and AdamW visit just those.
/// Taking the gradient buffer through the public accessors (`gradients`, `gradient(_:)`) makes
/// every table dense again (any row may be non-zero) until the next `zeroGrad`, so a direct
/// writer can never be missed.
///
/// A table's rows may owe weight decay (`oweDecay`): AdamW defers the shrink of rows that have
/// no moments yet, most of a multilingual vocabulary, instead of sweeping the whole table at
/// every step. A row catches up when something reads it: the embedding gather settles the rows
/// it reads (`settle(view:rows:)`), and whoever reads values wholesale through `values` (saving,
/// loading, fingerprints) calls `settleAll()` first; `pointer(_:)` settles its view. Catching up
/// multiplies by the owed factors one at a time, in step order: the same bits as shrinking the
/// row at every step.
public final class ParameterStore: @unchecked Sendable {
  public struct View: Sendable {
    public let name: String
    public let shape: [Int]
    public let offset: Int
    public var count: Int { shape.reduce(1, *) }
  }

  public let views: [View]
  public let count: Int
  /// The parameters' values. A table's rows may owe weight decay: settle before reading them
  /// (see the type's comment).
  public let values: UnsafeMutablePointer<Float>
  private let index: [String: Int]
  private var gradientStorage: Tensor?

  /// Which rows of one table's gradient may be non-zero.
  final class GradientRows {
    var dense = true
    var marked: [Bool]
    var rows: [Int32] = []
    init(rows: Int) { marked = [Bool](repeating: false, count: rows) }
  }
  /// Per table view index.
  private let tracked: [Int: GradientRows]

  /// Weight decay a table's rows owe: the shrink factors of the steps since the log was last
  /// emptied, in order, and per row how many of them its values have had.
  final class OwedDecay {
    var factors: [Float] = []
    var applied: [Int32]
    init(rows: Int) { applied = [Int32](repeating: 0, count: rows) }
  }
  /// Per table view index.
  private let owed: [Int: OwedDecay]
  private let owedLock = NSLock()

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
    values = raw.bindMemory(to: Float.self, capacity: max(offset, 1))
    values.initialize(repeating: 0, count: max(offset, 1))
  }

  deinit {
    UnsafeMutableRawPointer(values).deallocate()
  }

  /// The gradient buffer, `count` floats laid out like `values`; allocated zeroed on first use.
  /// Taking it marks every table's gradient dense (see the type's comment).
  public var gradients: UnsafeMutablePointer<Float> {
    for t in tracked.values { t.dense = true }
    return gradientBuffer
  }

  /// The gradient buffer without touching the row tracking: for the tape, the optimizer and the
  /// store itself, which keep the tracking right.
  var gradientBuffer: UnsafeMutablePointer<Float> {
    if let g = gradientStorage { return g.data }
    // a Tensor: zero-filled, and mapped from the kernel's zero pages when large
    let g = Tensor(shape: [max(count, 1)])
    gradientStorage = g
    return g.data
  }

  /// Table views among `views` overlapping the span [offset, offset + count).
  func tables(overlapping offset: Int, count n: Int) -> [Int] {
    tracked.keys.filter { k in views[k].offset < offset + n && offset < views[k].offset + views[k].count }
  }

  /// An op will accumulate into rows `rows` of table `view` (a no-op for views that are no table).
  func noteGradientRows(view k: Int, rows: UnsafeBufferPointer<Int32>) {
    guard let t = tracked[k], !t.dense else { return }
    for r in rows where !t.marked[Int(r)] {
      t.marked[Int(r)] = true
      t.rows.append(r)
    }
  }

  /// An op will accumulate into any rows of these tables.
  func noteDenseGradient(views: [Int]) { for k in views { tracked[k]?.dense = true } }

  /// The rows of table `view` whose gradient may be non-zero, ascending; nil when any row may
  /// be (a dense gradient, or a view that is no table).
  public func gradientRows(view k: Int) -> [Int32]? {
    guard let t = tracked[k], !t.dense else { return nil }
    return t.rows.sorted()
  }

  /// Walks the gradient buffer in order: `plain(start, count)` for each stretch between tables
  /// (possibly empty), `table(k)` for each table view k.
  private func forEachStretch(plain: (Int, Int) -> Void, table: (Int) -> Void) {
    var start = 0
    for k in tracked.keys.sorted() {
      plain(start, views[k].offset - start)
      table(k)
      start = views[k].offset + views[k].count
    }
    plain(start, count - start)
  }

  /// Sets every gradient to zero: one pass over the gradient buffer, or for a table only over
  /// the rows that can be non-zero.
  public func zeroGrad() {
    let g = gradientBuffer
    forEachStretch { start, n in
      parallelZero(g + start, count: n)
    } table: { k in
      let view = views[k], t = tracked[k]!
      if t.dense {
        parallelZero(g + view.offset, count: view.count)
        t.marked = [Bool](repeating: false, count: view.shape[0])
      } else {
        let width = view.shape[1]
        for r in t.rows {
          (g + view.offset + Int(r) * width).update(repeating: 0, count: width)
          t.marked[Int(r)] = false
        }
      }
      t.rows = []
      t.dense = false
    }
  }

  /// Sums the gradients over data-parallel ranks. `sum(pointer, count)` sums a span of floats
  /// elementwise over the ranks, in place; `unionOfRows(rows)` returns, on every rank, the sorted
  /// union of the ranks' non-zero rows of a table, or nil when any rank passed nil (a dense
  /// gradient). Plain parameters are summed whole; a table only over the rows some rank touched
  /// (packed, summed, unpacked), which then count as touched here too.
  public func reduceGradients(
    sum: (UnsafeMutablePointer<Float>, Int) throws -> Void, unionOfRows: ([Int32]?) throws -> [Int32]?
  ) throws {
    let g = gradientBuffer
    var start = 0
    for k in tracked.keys.sorted() {
      let view = views[k], t = tracked[k]!
      if view.offset > start { try sum(g + start, view.offset - start) }
      if let rows = try unionOfRows(t.dense ? nil : t.rows.sorted()) {
        let width = view.shape[1]
        var packed = [Float](repeating: 0, count: rows.count * width)
        try packed.withUnsafeMutableBufferPointer { p in
          for (i, r) in rows.enumerated() { (p.baseAddress! + i * width).update(from: g + view.offset + Int(r) * width, count: width) }
          try sum(p.baseAddress!, p.count)
          for (i, r) in rows.enumerated() { (g + view.offset + Int(r) * width).update(from: p.baseAddress! + i * width, count: width) }
        }
        rows.withUnsafeBufferPointer { noteGradientRows(view: k, rows: $0) }
      } else {
        t.dense = true
        try sum(g + view.offset, view.count)
      }
      start = view.offset + view.count
    }
    if count > start { try sum(g + start, count - start) }
  }

  public func view(_ name: String) -> View? { index[name].map { views[$0] } }

  /// The index of view `name` in `views`.
  public func viewIndex(_ name: String) -> Int? { index[name] }

  /// The values of parameter `name`, settled (see the type's comment); the name must exist.
  public func pointer(_ name: String) -> UnsafeMutablePointer<Float> {
    guard let k = index[name] else { preconditionFailure("no parameter named \(name)") }
    settle(view: k)
    return values + views[k].offset
  }

  // MARK: owed weight decay

  /// Rows `settled` of table `view` have just been updated in full (shrunk by `factor` among
  /// the rest); every other row owes `factor` too, applied when it is settled. A factor of 1
  /// owes nothing.
  public func oweDecay(view k: Int, factor: Float, settled: [Int32]) {
    guard let o = owed[k], factor != 1 else { return }
    owedLock.withLock {
      o.factors.append(factor)
      let n = Int32(o.factors.count)
      for r in settled { o.applied[Int(r)] = n }
    }
  }

  /// Brings rows `rows` of table `view` up to date (rows may repeat; a view that is no table
  /// or owes nothing is left as it is).
  public func settle(view k: Int, rows: UnsafeBufferPointer<Int32>) {
    guard let o = owed[k] else { return }
    owedLock.withLock { settle(view: k, owed: o, rows: rows) }
  }

  public func settle(view k: Int, rows: [Int32]) { rows.withUnsafeBufferPointer { settle(view: k, rows: $0) } }

  /// Brings every row of view `k` up to date.
  public func settle(view k: Int) {
    guard let o = owed[k] else { return }
    owedLock.withLock { settleEveryRow(view: k, owed: o) }
  }

  /// Brings every table up to date and empties the logs: before reading or writing `values`
  /// wholesale.
  public func settleAll() {
    owedLock.withLock {
      for (k, o) in owed { settleEveryRow(view: k, owed: o) }
    }
  }

  private func settleEveryRow(view k: Int, owed o: OwedDecay) {
    guard !o.factors.isEmpty else { return }
    settle(view: k, owed: o, rows: 0..<Int32(o.applied.count))
    o.factors = []
    for r in 0..<o.applied.count { o.applied[r] = 0 }
  }

  /// The rows of `rows` that owe factors, each claimed (applied = −1 − its count, negative, so
  /// a repeat is skipped), then settled. Under `owedLock`.
  private func settle<Rows: Sequence<Int32>>(view k: Int, owed o: OwedDecay, rows: Rows) {
    guard !o.factors.isEmpty else { return }
    let n = Int32(o.factors.count)
    var due: [Int32] = []
    for r in rows where (0..<n).contains(o.applied[Int(r)]) {
      due.append(r)
      o.applied[Int(r)] = -1 - o.applied[Int(r)]
    }
    settleRows(view: k, owed: o, rows: due)
  }

  /// Applies the owed factors to rows `rows`, each marked claimed (applied = −1 − its count),
  /// and marks them up to date.
  private func settleRows(view k: Int, owed o: OwedDecay, rows: [Int32]) {
    guard !rows.isEmpty else { return }
    let width = views[k].shape[1], base = values + views[k].offset, n = o.factors.count
    o.factors.withUnsafeBufferPointer { f in
      o.applied.withUnsafeMutableBufferPointer { applied in
        parallelFor(rows.count, minChunk: 64) { range in
          for j in range {
            let r = Int(rows[j]), from = Int(-1 - applied[r])
            let p = base + r * width
            var i = 0
            while i + 8 <= width {
              var x = load8(p, i)
              for t in from..<n { x = x * f[t] }
              store8(x, p, i)
              i += 8
            }
            while i < width {
              var x = p[i]
              for t in from..<n { x = x * f[t] }
              p[i] = x
              i += 1
            }
            applied[r] = Int32(n)
          }
        }
      }
    }
  }

  /// The L2 norm of all gradients together. The buffer is cut into fixed segments (a table's
  /// rows that can be non-zero, and blocks of 4096 floats elsewhere), each summed in 8 Float
  /// lanes, and the segments added in Double in order: the same bits whatever the thread count.
  public func gradientNorm() -> Double {
    let g = gradientBuffer
    var segments: [(start: Int, count: Int)] = []
    func blocks(_ from: Int, _ to: Int) {
      var s = from
      while s < to {
        segments.append((s, min(4096, to - s)))
        s += 4096
      }
    }
    forEachStretch { start, n in
      blocks(start, start + n)
    } table: { k in
      let view = views[k]
      if let rows = gradientRows(view: k) {
        let width = view.shape[1]
        for r in rows { segments.append((view.offset + Int(r) * width, width)) }
      } else {
        blocks(view.offset, view.offset + view.count)
      }
    }
    let segs = segments
    var partial = [Double](repeating: 0, count: segs.count)
    partial.withUnsafeMutableBufferPointer { part in
      parallelFor(segs.count, minChunk: 16) { range in
        for i in range {
          let (s, n) = segs[i]
          var acc = SIMD8<Float>()
          var j = 0
          while j + 8 <= n {
            let x = load8(g, s + j)
            acc += x * x
            j += 8
          }
          var total = Double(laneTotal(acc))
          while j < n {
            total += Double(g[s + j]) * Double(g[s + j])
            j += 1
          }
          part[i] = total
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

  /// The gradient of parameter `name`; the name must exist. Marks a table's gradient dense.
  public func gradient(_ name: String) -> UnsafeMutablePointer<Float> {
    guard let k = index[name] else { preconditionFailure("no parameter named \(name)") }
    tracked[k]?.dense = true
    return gradientBuffer + views[k].offset
  }
}
