/// Linear layer on packed rows: out[T, O] = x[T, I] · W[O, I]ᵀ + b[O] (PyTorch's weight layout).

/// out (T, O) = x (T, I) · Wᵀ + b. With `weightBF16` (the weight's bf16 copy, when the store's
/// precision is bf16) the product takes bf16 operands, x rounded here, and accumulates in fp32;
/// `weight` (fp32) may then be nil. Then out = gelu(out) when `gelu`, and out += residual (T, O,
/// not overlapping out) when given: separate passes in fp32 (the same bits as `geluForward` and
/// `residualForward`); in bf16 oneDNN adds the residual as it writes the product.
public func linearForward(
  out: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>,
  weight: UnsafePointer<Float>?, weightBF16: BF16.Buffer? = nil, bias: UnsafePointer<Float>?,
  rows T: Int, inFeatures I: Int, outFeatures O: Int, gelu: Bool = false, residual: UnsafePointer<Float>? = nil
) {
  if let weightBF16 {
    // the bias and the residual enter the product (oneDNN adds them as it writes out)
    let x16 = BF16.Buffer(rounding: x, count: T * I)
    BF16.linear(rows: T, outFeatures: O, inFeatures: I, x: x16.data, weight: weightBF16, bias: bias, addend: residual, out: out)
    if gelu { BF16.gelu(out: out, x: out, count: T * O) }
    return
  }
  if let bias {
    parallelFor(T, minChunk: 64) { rows in for t in rows { (out + t * O).update(from: bias, count: O) } }
  }
  guard let weight else { preconditionFailure("linearForward: no weight") }
  BLAS.gemm(
    transA: false, transB: true, m: T, n: O, k: I,
    a: x, lda: I, b: weight, ldb: I, beta: bias == nil ? 0 : 1, c: out, ldc: O)
  if gelu { geluForward(out: out, x: out, count: T * O) }
  if let residual { residualForward(out: out, a: out, b: residual, count: T * O) }
}

/// dX (T, I) += dOut · W;  dW (O, I) += dOutᵀ · X;  dB (O) += Σ_t dOut[t]. Any of the outputs may be
/// nil. With `weightBF16` both products take bf16 operands (dOut and x rounded here) and
/// accumulate in fp32; dB stays an fp32 sum.
public func linearBackward(
  dX: UnsafeMutablePointer<Float>?, dWeight: UnsafeMutablePointer<Float>?, dBias: UnsafeMutablePointer<Float>?,
  dOut: UnsafePointer<Float>, x: UnsafePointer<Float>, weight: UnsafePointer<Float>, weightBF16: BF16.Buffer? = nil,
  rows T: Int, inFeatures I: Int, outFeatures O: Int
) {
  if let weightBF16, dX != nil || dWeight != nil {
    let dOut16 = BF16.Buffer(rounding: dOut, count: T * O)
    if let dX {
      BF16.gemm(
        transA: false, transB: false, m: T, n: I, k: O, a: dOut16.data, lda: O, b: weightBF16.data, ldb: I, beta: 1, c: dX, ldc: I)
    }
    if let dWeight {
      let x16 = BF16.Buffer(rounding: x, count: T * I)
      BF16.gemm(transA: true, transB: false, m: O, n: I, k: T, a: dOut16.data, lda: O, b: x16.data, ldb: I, beta: 1, c: dWeight, ldc: I)
    }
  } else {
    if let dX {
      BLAS.gemm(transA: false, transB: false, m: T, n: I, k: O, a: dOut, lda: O, b: weight, ldb: I, beta: 1, c: dX, ldc: I)
    }
    if let dWeight {
      BLAS.gemm(transA: true, transB: false, m: O, n: I, k: T, a: dOut, lda: O, b: x, ldb: I, beta: 1, c: dWeight, ldc: I)
    }
  }
  if let dBias { addColumnSums(into: dBias, of: dOut, rows: T, width: O) }
}

extension Tape {
  /// out = dropout(act(x · Wᵀ + b)) + residual, fused: act is GELU or the identity. Keeps for
  /// backward only x (the input value), and with GELU its slope at the pre-activation; the
  /// dropout mask is regenerated from its seed.
  public func linear(
    _ x: Variable, weight: Variable, bias: Variable?, gelu: Bool = false, dropout: Dropout? = nil,
    residual: Variable? = nil
  ) -> Variable {
    let xs = shape(x), ws = shape(weight)
    precondition(ws.count == 2 && xs.last == ws[1], "linear: input \(xs) does not match weight \(ws)")
    let I = ws[1], O = ws[0], T = count(x) / I
    if let bias { precondition(count(bias) == O, "linear: bias \(shape(bias)) for \(O) outputs") }
    if let residual { precondition(count(residual) == T * O, "linear: residual \(shape(residual)) for (\(T), \(O))") }
    let inputs = [x, weight] + (bias.map { [$0] } ?? []) + (residual.map { [$0] } ?? [])
    let out = output(shape: Array(xs.dropLast()) + [O], from: inputs, overwritten: true)
    let y = value(out)
    // with GELU and a gradient to come, GELU's slope at the product is kept for backward
    let slope = gelu && requiresGrad(out) ? Tensor(uninitializedShape: [T, O]) : nil
    // in bf16 the weight's copy (rounded once per optimizer step) is kept for backward's dX
    let weightBF16 = bf16Copy(weight)
    linearForward(out: y, x: value(x), weight: value(weight), weightBF16: weightBF16, bias: bias.map { UnsafePointer(value($0)) },
                  rows: T, inFeatures: I, outFeatures: O)
    if let slope {
      geluForward(out: y, slope: slope.data, x: y, count: T * O)
    } else if gelu {
      geluForward(out: y, x: y, count: T * O)
    }
    dropout?.apply(y, count: T * O)
    if let residual { residualForward(out: y, a: y, b: value(residual), count: T * O) }

    record(gelu ? "linear+gelu" : "linear", outputs: [out]) { tape in
      let g = tape.upstream(out)!
      if let residual, let dR = tape.gradientBuffer(residual) { residualBackward(dX: dR, dOut: g, count: T * O) }
      var dPre: Tensor?  // gradient before dropout / activation, when either is present
      if gelu || dropout != nil {
        let d = Tensor(uninitializedShape: [T, O])
        if let dropout {
          dropout.apply(from: g, to: d.data, count: T * O)
          if let slope { geluBackward(into: d.data, dOut: d.data, slope: slope.data, count: T * O) }
        } else if let slope {
          geluBackward(into: d.data, dOut: g, slope: slope.data, count: T * O)
        }
        dPre = d
      }
      linearBackward(
        dX: tape.gradientBuffer(x), dWeight: tape.gradientBuffer(weight), dBias: bias.flatMap { tape.gradientBuffer($0) },
        dOut: dPre.map { UnsafePointer($0.data) } ?? g, x: tape.value(x), weight: tape.value(weight), weightBF16: weightBF16,
        rows: T, inFeatures: I, outFeatures: O)
      withExtendedLifetime(dPre) {}
    }
    return out
  }
}
