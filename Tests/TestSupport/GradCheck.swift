/// Central-difference gradients for checking hand-written backward kernels.
///
/// `loss` maps the (perturbed) input to a scalar, accumulated in Double. The numeric gradient of
/// coordinate i is (loss(x + h·eᵢ) − loss(x − h·eᵢ)) / 2h.
public func numericGradient(_ x: [Float], step h: Float = 1e-2, loss: ([Float]) -> Double) -> [Float] {
  var grad = [Float](repeating: 0, count: x.count)
  var probe = x
  for i in 0..<x.count {
    probe[i] = x[i] + h
    let up = loss(probe)
    probe[i] = x[i] - h
    let down = loss(probe)
    probe[i] = x[i]
    grad[i] = Float((up - down) / (2 * Double(h)))
  }
  return grad
}

/// Σ a[i]·b[i] in Double: a scalar loss whose gradient w.r.t. `a` is `b`.
public func weightedSum(_ a: [Float], _ b: [Float]) -> Double {
  zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
}
