extension Tape {
  /// out[i, j] = x[j] − x[i] for a vector x (N) → (N, N).  dX[j] += Σ_i dOut[i, j];  dX[i] −= Σ_j dOut[i, j].
  public func pairwiseDifferences(_ x: Variable) -> Variable {
    let N = count(x)
    let out = output(shape: [N, N], from: [x], overwritten: true)
    let xv = value(x), y = value(out)
    for i in 0..<N { for j in 0..<N { y[i * N + j] = xv[j] - xv[i] } }
    record("pairwiseDifferences", outputs: [out]) { tape in
      guard let dX = tape.gradientBuffer(x) else { return }
      let g = tape.upstream(out)!
      for i in 0..<N {
        for j in 0..<N {
          dX[j] += g[i * N + j]
          dX[i] -= g[i * N + j]
        }
      }
    }
    return out
  }
}
