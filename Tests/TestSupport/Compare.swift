/// Numeric comparison helpers that report where two arrays differ most.
public struct Difference: CustomStringConvertible {
  public let maxAbs: Float
  public let maxRef: Float
  public let index: Int
  public let got: Float
  public let expected: Float
  public var relative: Float { maxAbs / max(maxRef, 1e-30) }
  public var description: String {
    "max |diff| \(maxAbs) at [\(index)] (got \(got), expected \(expected)); max |ref| \(maxRef); relative \(relative)"
  }
}

public func difference(_ got: [Float], _ expected: [Float]) -> Difference {
  precondition(got.count == expected.count, "sizes differ: \(got.count) vs \(expected.count)")
  var maxAbs: Float = 0, maxRef: Float = 0, index = 0
  for i in 0..<got.count {
    let d = abs(got[i] - expected[i])
    if d > maxAbs || d.isNaN { maxAbs = d.isNaN ? .infinity : d; index = i }
    maxRef = max(maxRef, abs(expected[i]))
  }
  return Difference(maxAbs: maxAbs, maxRef: maxRef, index: index, got: got.isEmpty ? 0 : got[index],
                    expected: expected.isEmpty ? 0 : expected[index])
}

