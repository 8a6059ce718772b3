/// Row tracking of the tables' gradients. After `zeroGrad`, only the rows an op declared through
/// the tape (the embedding gather's scatter-add) can be non-zero, so zeroing, the norm, the
/// data-parallel reduce and AdamW visit just those. A table whose gradient was handed out for
/// any write (`denseGradients()`, `denseGradient(_:)`, a kernel that writes any row) is dense
/// until the next `zeroGrad`: any row may be non-zero.
extension ParameterStore {
  /// Which rows of one table's gradient may be non-zero.
  final class GradientRows {
    var dense = true
    var marked: [Bool]
    var rows: [Int32] = []
    init(rows: Int) { marked = [Bool](repeating: false, count: rows) }
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
  func forEachStretch(plain: (Int, Int) -> Void, table: (Int) -> Void) {
    var start = 0
    for k in tracked.keys.sorted() {
      plain(start, views[k].offset - start)
      table(k)
      start = views[k].offset + views[k].count
    }
    plain(start, count - start)
  }

  /// Zeroes the rows of table `view` that can be non-zero (all of a dense one), and starts
  /// tracking it afresh.
  func zeroGradientRows(view k: Int) {
    let g = gradientBuffer, view = views[k], t = tracked[k]!
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
}
