extension Tape {
  /// The values of `parts`, flattened and joined end to end → (Σ counts).  Each part's gradient
  /// is its slice of dOut.
  public func concatenate(_ parts: [Variable]) -> Variable {
    let counts = parts.map { count($0) }
    let out = output(shape: [counts.reduce(0, +)], from: parts, overwritten: true)
    var offset = 0
    for (p, n) in zip(parts, counts) {
      (value(out) + offset).update(from: value(p), count: n)
      offset += n
    }
    record("concatenate", outputs: [out]) { tape in
      let g = tape.upstream(out)!
      var offset = 0
      for (p, n) in zip(parts, counts) {
        if let d = tape.gradientBuffer(p) { for i in 0..<n { d[i] += g[offset + i] } }
        offset += n
      }
    }
    return out
  }
}
