/// Eight-lane loads and stores, and the reductions and the exp the elementwise kernels share
/// (GELU's derivative and attention's softmax).

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

/// exp(v) for v ≤ 0 (Cephes' expf: v = n·ln2 + r, a degree-5 polynomial in r, times 2ⁿ), to a
/// few ulp; inputs below −87 give 0.
@inline(__always)
func expNonPositive(_ v: SIMD8<Float>) -> SIMD8<Float> {
  let x = v.replacing(with: -87, where: v .< -87)
  // round x/ln2 to an integer n with the 1.5·2²³ trick: n sits in the low mantissa bits of t
  let magic = SIMD8<Float>(repeating: 12_582_912)
  let t = x * 1.442_695_040_888_963_4 + magic
  let n = t - magic
  let ni = unsafeBitCast(t, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
  var r = x - n * 0.693_359_375
  r = r - n * -2.121_944_400_546_905_8e-4
  var p = SIMD8<Float>(repeating: 1.987_569_150_0e-4)
  p = p * r + 1.398_199_950_7e-3
  p = p * r + 8.333_451_907_3e-3
  p = p * r + 4.166_579_589_4e-2
  p = p * r + 1.666_666_545_9e-1
  p = p * r + 5.000_000_120_1e-1
  p = p * r * r + r + 1
  let scaled = p * unsafeBitCast((ni &+ 127) &<< 23, to: SIMD8<Float>.self)
  return scaled.replacing(with: 0, where: v .< -87)
}
