/// Embedding sum for packed tokens: out[t] = word[ids[t]] + position[positions[t]] + type[types[t]].

/// out: (T, C); word: (V, C); position: (P, C); tokenType: (Y, C); ids, positions, types: (T)
public func embeddingSumForward(
  out: UnsafeMutablePointer<Float>,
  word: UnsafePointer<Float>, position: UnsafePointer<Float>, tokenType: UnsafePointer<Float>,
  ids: UnsafePointer<Int32>, positions: UnsafePointer<Int32>, types: UnsafePointer<Int32>?,
  rows T: Int, width C: Int
) {
  parallelFor(T, minChunk: 32) { range in
    for t in range {
      let w = word + Int(ids[t]) * C
      let p = position + Int(positions[t]) * C
      let y = tokenType + Int(types?[t] ?? 0) * C
      let o = out + t * C
      for i in 0..<C { o[i] = w[i] + p[i] + y[i] }
    }
  }
}
