/// Products of small matrices (a few dozen rows: one attention head of one sequence), where a
/// BLAS call costs more in overhead than in arithmetic. Each output row is a weighted sum of
/// rows, 8 lanes at a time with fused multiply-adds, two output rows at once.

/// Two output rows at once, sharing every load of `rows`:
///   out_r[0..<W] = α · Σ_{k<K} coef_r[k·cs] · rows[k·rs ..< k·rs + W]   (+ out_r when `accumulate`)
/// for r = 0, 1. `out1`/`coef1` nil computes one row.
@inline(__always)
func combineRows(
  into out0: UnsafeMutablePointer<Float>, _ out1: UnsafeMutablePointer<Float>?, width W: Int, alpha: Float,
  accumulate: Bool, coefficients coef0: UnsafePointer<Float>, _ coef1: UnsafePointer<Float>?, coefficientStride cs: Int,
  count K: Int, rows: UnsafePointer<Float>, rowStride rs: Int
) {
  typealias V8 = SIMD8<Float>
  @inline(__always) func finish(_ acc: V8, _ out: UnsafeMutablePointer<Float>, at c: Int) {
    store8(accumulate ? load8(out, c) + acc * alpha : acc * alpha, out, c)
  }
  var c = 0
  if let out1, let coef1 {
    while c &+ 32 <= W {
      var a0 = V8(), a1 = V8(), a2 = V8(), a3 = V8(), b0 = V8(), b1 = V8(), b2 = V8(), b3 = V8()
      var row = rows + c, u0 = coef0, u1 = coef1
      for _ in 0..<K {
        let u = V8(repeating: u0.pointee), w = V8(repeating: u1.pointee)
        let x0 = load8(row, 0), x1 = load8(row, 8), x2 = load8(row, 16), x3 = load8(row, 24)
        a0.addProduct(u, x0); a1.addProduct(u, x1); a2.addProduct(u, x2); a3.addProduct(u, x3)
        b0.addProduct(w, x0); b1.addProduct(w, x1); b2.addProduct(w, x2); b3.addProduct(w, x3)
        row += rs; u0 += cs; u1 += cs
      }
      finish(a0, out0, at: c); finish(a1, out0, at: c &+ 8); finish(a2, out0, at: c &+ 16); finish(a3, out0, at: c &+ 24)
      finish(b0, out1, at: c); finish(b1, out1, at: c &+ 8); finish(b2, out1, at: c &+ 16); finish(b3, out1, at: c &+ 24)
      c &+= 32
    }
    while c &+ 16 <= W {
      var a0 = V8(), a1 = V8(), b0 = V8(), b1 = V8()
      var row = rows + c, u0 = coef0, u1 = coef1
      for _ in 0..<K {
        let u = V8(repeating: u0.pointee), w = V8(repeating: u1.pointee)
        let x0 = load8(row, 0), x1 = load8(row, 8)
        a0.addProduct(u, x0); a1.addProduct(u, x1)
        b0.addProduct(w, x0); b1.addProduct(w, x1)
        row += rs; u0 += cs; u1 += cs
      }
      finish(a0, out0, at: c); finish(a1, out0, at: c &+ 8)
      finish(b0, out1, at: c); finish(b1, out1, at: c &+ 8)
      c &+= 16
    }
    while c &+ 8 <= W {
      var a0 = V8(), b0 = V8()
      var row = rows + c, u0 = coef0, u1 = coef1
      for _ in 0..<K {
        let x0 = load8(row, 0)
        a0.addProduct(V8(repeating: u0.pointee), x0)
        b0.addProduct(V8(repeating: u1.pointee), x0)
        row += rs; u0 += cs; u1 += cs
      }
      finish(a0, out0, at: c)
      finish(b0, out1, at: c)
      c &+= 8
    }
    while c < W {
      var a: Float = 0, b: Float = 0
      for k in 0..<K {
        a.addProduct(coef0[k &* cs], rows[k &* rs &+ c])
        b.addProduct(coef1[k &* cs], rows[k &* rs &+ c])
      }
      out0[c] = accumulate ? out0[c] + alpha * a : alpha * a
      out1[c] = accumulate ? out1[c] + alpha * b : alpha * b
      c &+= 1
    }
    return
  }
  while c &+ 32 <= W {
    var a0 = V8(), a1 = V8(), a2 = V8(), a3 = V8()
    var row = rows + c, u0 = coef0
    for _ in 0..<K {
      let u = V8(repeating: u0.pointee)
      a0.addProduct(u, load8(row, 0)); a1.addProduct(u, load8(row, 8)); a2.addProduct(u, load8(row, 16)); a3.addProduct(u, load8(row, 24))
      row += rs; u0 += cs
    }
    finish(a0, out0, at: c); finish(a1, out0, at: c &+ 8); finish(a2, out0, at: c &+ 16); finish(a3, out0, at: c &+ 24)
    c &+= 32
  }
  while c &+ 8 <= W {
    var a0 = V8()
    var row = rows + c, u0 = coef0
    for _ in 0..<K {
      a0.addProduct(V8(repeating: u0.pointee), load8(row, 0))
      row += rs; u0 += cs
    }
    finish(a0, out0, at: c)
    c &+= 8
  }
  while c < W {
    var a: Float = 0
    for k in 0..<K { a.addProduct(coef0[k &* cs], rows[k &* rs &+ c]) }
    out0[c] = accumulate ? out0[c] + alpha * a : alpha * a
    c &+= 1
  }
}

/// t[d·ldt + j] = x[j·ldx + d] for j < L, d < D; columns L..<ldt of t are set to zero.
@inline(__always)
func transposeRows(_ x: UnsafePointer<Float>, rows L: Int, width D: Int, stride ldx: Int, into t: UnsafeMutablePointer<Float>, stride ldt: Int) {
  for d in 0..<D {
    let row = t + d * ldt
    for j in 0..<L { row[j] = x[j * ldx + d] }
    for j in L..<ldt { row[j] = 0 }
  }
}

/// Rounds up to a multiple of 8 (a padded row of SIMD8 chunks).
@inline(__always)
func paddedWidth(_ n: Int) -> Int { (n + 7) / 8 * 8 }
