import Foundation

/// Weight decay owed by a table's rows. AdamW defers the shrink of rows that have no moments
/// yet, most of a multilingual vocabulary, instead of sweeping the whole table at every step
/// (`oweDecay`). A row catches up when it is read: the store's readers (`pointer(_:)`,
/// `pointer(_:readingRows:)`, `pointer(spanning:)`, `withSettledValues(_:)`) settle what they
/// hand out, the tape settles a parameter when an op reads it (the embedding gather only the rows
/// it reads), and AdamW settles a row before its first full update. Catching up multiplies by the
/// owed factors one at a time, in step order: the same bits as shrinking the row at every step.
extension ParameterStore {
  /// Weight decay a table's rows owe: the shrink factors of the steps since the log was last
  /// emptied, in order, and per row how many of them its values have had.
  final class OwedDecay {
    var factors: [Float] = []
    var applied: [Int32]
    init(rows: Int) { applied = [Int32](repeating: 0, count: rows) }
  }

  /// Rows `settled` of table `view` have just been updated in full (shrunk by `factor` among
  /// the rest); every other row owes `factor` too, applied when it is settled. A factor of 1
  /// owes nothing.
  func oweDecay(view k: Int, factor: Float, settled: [Int32]) {
    guard let o = owed[k], factor != 1 else { return }
    owedLock.withLock {
      o.factors.append(factor)
      let n = Int32(o.factors.count)
      for r in settled { o.applied[Int(r)] = n }
    }
  }

  /// Brings rows `rows` of table `view` up to date (rows may repeat; a view that is no table
  /// or owes nothing is left as it is).
  func settle(view k: Int, rows: UnsafeBufferPointer<Int32>) {
    guard let o = owed[k] else { return }
    owedLock.withLock { settle(view: k, owed: o, rows: rows) }
  }

  func settle(view k: Int, rows: [Int32]) { rows.withUnsafeBufferPointer { settle(view: k, rows: $0) } }

  /// Brings every row of view `k` up to date.
  func settle(view k: Int) {
    guard let o = owed[k] else { return }
    owedLock.withLock { settleEveryRow(view: k, owed: o) }
  }

  /// Brings every table up to date and empties the logs.
  func settleAll() {
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
    let width = views[k].shape[1], base = unsettledValues + views[k].offset, n = o.factors.count
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
}
