/// Similarity matrices: S = A · Bᵀ for rows of A (Na, C) and B (Nb, C); cosine similarity is the
/// same product of L2-normalized rows.

extension Tape {
  /// A (Na, C) · B (Nb, C)ᵀ → (Na, Nb).  dA += dS · B;  dB += dSᵀ · A.
  public func dotProducts(_ a: Variable, _ b: Variable) -> Variable {
    let sa = shape(a), sb = shape(b)
    precondition(sa.count == 2 && sb.count == 2 && sa[1] == sb[1], "dotProducts: shapes \(sa) and \(sb)")
    let Na = sa[0], Nb = sb[0], C = sa[1]
    let out = output(shape: [Na, Nb], from: [a, b])
    BLAS.gemm(transA: false, transB: true, m: Na, n: Nb, k: C, a: value(a), lda: C, b: value(b), ldb: C, c: value(out), ldc: Nb)
    record("dotProducts", outputs: [out]) { tape in
      let g = tape.upstream(out)!
      if let dA = tape.gradientBuffer(a) {
        BLAS.gemm(transA: false, transB: false, m: Na, n: C, k: Nb, a: g, lda: Nb, b: tape.value(b), ldb: C, beta: 1, c: dA, ldc: C)
      }
      if let dB = tape.gradientBuffer(b) {
        BLAS.gemm(transA: true, transB: false, m: Nb, n: C, k: Na, a: g, lda: Nb, b: tape.value(a), ldb: C, beta: 1, c: dB, ldc: C)
      }
    }
    return out
  }

  /// cos(a_i, b_j) for all pairs: (Na, Nb).
  public func cosineSimilarityMatrix(_ a: Variable, _ b: Variable) -> Variable {
    dotProducts(l2Normalize(a), l2Normalize(b))
  }
}
