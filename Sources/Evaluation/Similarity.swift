/// The similarity functions of sentence-transformers (`util.similarity`): cosine (after
/// normalizing as torch.nn.functional.normalize does, norms floored at 1e-12), dot product, and
/// the negated Euclidean and Manhattan distances.
public enum Similarity: String, Sendable, CaseIterable, Codable {
  case cosine, dot, euclidean, manhattan

  /// The similarity of two vectors of `dimension` floats, accumulated in Double.
  public func score(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, dimension: Int) -> Double {
    switch self {
    case .cosine:
      var ab = 0.0, aa = 0.0, bb = 0.0
      for i in 0..<dimension {
        let x = Double(a[i]), y = Double(b[i])
        ab += x * y
        aa += x * x
        bb += y * y
      }
      return ab / (max(aa.squareRoot(), 1e-12) * max(bb.squareRoot(), 1e-12))
    case .dot:
      var ab = 0.0
      for i in 0..<dimension { ab += Double(a[i]) * Double(b[i]) }
      return ab
    case .euclidean:
      var s = 0.0
      for i in 0..<dimension {
        let d = Double(a[i]) - Double(b[i])
        s += d * d
      }
      return -s.squareRoot()
    case .manhattan:
      var s = 0.0
      for i in 0..<dimension { s += abs(Double(a[i]) - Double(b[i])) }
      return -s
    }
  }
}
