/// Embedding sum for packed tokens: out[t] = word[ids[t]] + position[positions[t]] + type[types[t]].
/// Backward scatter-adds each token's gradient into the rows it read (a row used twice gets both).

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

/// table[rows[t]] += dOut[t] for every token t (rows nil: every token uses row 0). Workers own
/// blocks of columns, so repeated rows never race.
public func embeddingBackward(
  dTable: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>, rows: UnsafePointer<Int32>?, count T: Int, width C: Int
) {
  parallelFor(C, minChunk: 32) { cols in
    for t in 0..<T {
      let d = dTable + Int(rows?[t] ?? 0) * C, g = dOut + t * C
      for i in cols { d[i] += g[i] }
    }
  }
}

extension Tape {
  /// The summed word, position and token-type embeddings (T, C) of packed tokens. The index
  /// arrays must be in range (TokenBatch.validate checks them).
  public func embeddings(
    ids: [Int32], positions: [Int32], types: [Int32]?, word: Variable, position: Variable, tokenType: Variable
  ) -> Variable {
    let C = shape(word)[1], T = ids.count
    precondition(positions.count == T && (types?.count ?? T) == T, "embeddings: index arrays of unequal length")
    let out = output(shape: [T, C], from: [word, position, tokenType], overwritten: true)
    ids.withUnsafeBufferPointer { i in
      positions.withUnsafeBufferPointer { p in
        let ty = types ?? []
        ty.withUnsafeBufferPointer { y in
          embeddingSumForward(
            out: value(out), word: value(word, readingRows: i), position: value(position, readingRows: p),
            tokenType: types == nil ? value(tokenType) : value(tokenType, readingRows: y),
            ids: i.baseAddress!, positions: p.baseAddress!, types: types == nil ? nil : y.baseAddress, rows: T, width: C)
        }
      }
    }
    record("embeddings", outputs: [out]) { tape in
      let g = tape.upstream(out)!
      for (table, index) in [(word, ids), (position, positions), (tokenType, types)] {
        if let index {
          index.withUnsafeBufferPointer { rows in
            guard let d = tape.gradientBuffer(table, rows: rows) else { return }
            embeddingBackward(dTable: d, dOut: g, rows: rows.baseAddress, count: T, width: C)
          }
        } else if let d = tape.gradientBuffer(table) {
          embeddingBackward(dTable: d, dOut: g, rows: nil, count: T, width: C)
        }
      }
    }
    return out
  }
}
