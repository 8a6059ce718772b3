/// Eight-lane loads and stores, and the reductions the elementwise kernels share.

@inline(__always)
func load8(_ p: UnsafePointer<Float>, _ i: Int) -> SIMD8<Float> { UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self) }

@inline(__always)
func load8(_ p: UnsafeMutablePointer<Float>, _ i: Int) -> SIMD8<Float> { UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self) }

@inline(__always)
func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ i: Int) { UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: SIMD8<Float>.self) }

/// Σ of the 8 lanes, pairwise.
@inline(__always)
func laneTotal(_ v: SIMD8<Float>) -> Float {
  let four = v.lowHalf + v.highHalf
  let two = four.lowHalf + four.highHalf
  return two[0] + two[1]
}

/// Σ a[i]·b[i] for i < n: eight lanes of fused multiply-adds, the lanes pairwise, then the
/// tail; the same order for every pair of vectors, so equal vectors give equal results.
public func laneDot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count n: Int) -> Float {
  var acc = SIMD8<Float>()
  var i = 0
  while i + 8 <= n {
    acc.addProduct(load8(a, i), load8(b, i))
    i += 8
  }
  var s = laneTotal(acc)
  while i < n {
    s += a[i] * b[i]
    i += 1
  }
  return s
}

/// dst[i] += Σ_t term(t, i) for i < C: workers own blocks of 8 columns and add the rows in order,
/// so every column is summed the same way whatever the thread count. `term8` gives lanes i..<i+8,
/// `term` one column (the tail when C is not a multiple of 8).
@inline(__always)
func addColumnSums(
  into dst: UnsafeMutablePointer<Float>, rows T: Int, width C: Int,
  _ term8: (_ t: Int, _ i: Int) -> SIMD8<Float>, tail term: (_ t: Int, _ i: Int) -> Float
) {
  let chunks = C / 8
  parallelFor(chunks, minChunk: 8) { range in
    let lo = range.lowerBound * 8, hi = range.upperBound * 8
    for t in 0..<T {
      var i = lo
      while i < hi {
        store8(load8(dst, i) + term8(t, i), dst, i)
        i += 8
      }
    }
  }
  if chunks * 8 < C {
    for t in 0..<T { for i in (chunks * 8)..<C { dst[i] += term(t, i) } }
  }
}

/// dst[i] += Σ_t src[t·C + i]: the column sums of a (T, C) matrix (bias gradients).
func addColumnSums(into dst: UnsafeMutablePointer<Float>, of src: UnsafePointer<Float>, rows T: Int, width C: Int) {
  addColumnSums(into: dst, rows: T, width: C) { t, i in load8(src, t * C + i) } tail: { t, i in src[t * C + i] }
}
