extension Tape {
  /// out[r, w] = x[r, columns[r·W + w]] for a (R, M) matrix x → (R, W).  dX[r, c] += dOut[r, w]
  /// for every w that picked c (scatter-add).
  public func gather(_ x: Variable, columns: [Int], width W: Int) -> Variable {
    let M = shape(x).last!, R = count(x) / M
    precondition(columns.count == R * W && columns.allSatisfy { $0 >= 0 && $0 < M }, "gather: columns for (\(R), \(W)) of width \(M)")
    let out = output(shape: [R, W], from: [x])
    let xv = value(x), y = value(out)
    for r in 0..<R { for w in 0..<W { y[r * W + w] = xv[r * M + columns[r * W + w]] } }
    record("gather", outputs: [out]) { tape in
      guard let dX = tape.gradientBuffer(x) else { return }
      let g = tape.upstream(out)!
      for r in 0..<R { for w in 0..<W { dX[r * M + columns[r * W + w]] += g[r * W + w] } }
    }
    return out
  }
}
