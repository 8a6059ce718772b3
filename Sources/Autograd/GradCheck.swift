/// Gradient checking by central differences, for tests and `trainer gradcheck`.
///
/// A function of several tensors is reduced to a scalar by a fixed random projection,
/// loss = Σ out ⊙ R in Float64, so every output element matters. The analytic gradient comes from
/// the tape (backward seeded with R); the numeric one is (loss(x + h·eᵢ) − loss(x − h·eᵢ)) / 2h,
/// the difference taken in Float64 (the kernels themselves run in Float32).
public enum GradCheck {
  /// How far an analytic gradient is from the numeric one.
  public struct Comparison: CustomStringConvertible, Sendable {
    public var name: String
    public var checked: Int
    public var maxAbs: Double
    public var maxRef: Double
    public var worst: Int  // index of the coordinate with the largest difference
    /// max |analytic − numeric| / max |numeric|
    public var relative: Double { maxAbs / max(maxRef, 1e-30) }
    public var description: String {
      String(format: "%@: %d checked, max |diff| %.3g at [%d], max |numeric| %.3g, relative %.3g",
             name, checked, maxAbs, worst, maxRef, relative)
    }
  }

  /// Central differences of `loss` with respect to `values[i]` for each i in `indices`, compared
  /// with `analytic[i]`. `values` is restored afterwards.
  public static func compare(
    name: String, values: UnsafeMutablePointer<Float>, analytic: UnsafePointer<Float>, indices: [Int],
    step h: Float = 1e-2, loss: () throws -> Double
  ) rethrows -> Comparison {
    var c = Comparison(name: name, checked: indices.count, maxAbs: 0, maxRef: 0, worst: indices.first ?? 0)
    for i in indices {
      let x = values[i]
      values[i] = x + h
      let up = try loss()
      values[i] = x - h
      let down = try loss()
      values[i] = x
      let numeric = (up - down) / (Double(x + h) - Double(x - h))
      let d = abs(Double(analytic[i]) - numeric)
      if d > c.maxAbs || d.isNaN {
        c.maxAbs = d.isNaN ? .infinity : d
        c.worst = i
      }
      c.maxRef = max(c.maxRef, abs(numeric))
    }
    return c
  }

  /// Checks the gradient of `build` with respect to each of `inputs` (every element). `build`
  /// records a function of the inputs on the tape it is given and returns its output.
  public static func check(
    inputs: [(name: String, tensor: Tensor)], step: Float = 1e-2, seed: UInt64 = 1,
    build: (Tape, [Variable]) -> Variable
  ) throws -> [Comparison] {
    // analytic
    let tape = Tape()
    let vars = inputs.map { tape.input($0.tensor) }
    let out = build(tape, vars)
    var rng = SplitMix64(seed: seed)
    let projection = (0..<tape.count(out)).map { _ in rng.nextNormal() }
    try tape.backward(from: out, seed: projection)
    // numeric
    func loss() -> Double {
      let t = Tape()
      let o = build(t, inputs.map { t.input($0.tensor) })
      let y = t.value(o)
      var s = 0.0
      for i in 0..<projection.count { s += Double(y[i]) * Double(projection[i]) }
      return s
    }
    return zip(inputs, vars).map { input, v in
      let analytic = tape.gradient(v) ?? [Float](repeating: 0, count: input.tensor.count)
      return analytic.withUnsafeBufferPointer { a in
        compare(name: input.name, values: input.tensor.data, analytic: a.baseAddress!,
                indices: Array(0..<input.tensor.count), step: step, loss: loss)
      }
    }
  }
}
