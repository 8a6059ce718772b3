import Autograd
import Foundation

/// A cross-encoder: the encoder with `XLMRobertaClassificationHead` on each sequence's `<s>`:
///   logits = out_proj(dropout(tanh(dense(dropout(h[<s>]))))).
extension Encoder {
  /// Logits (S, numLabels) of a packed batch of pairs, dropout off.
  public func logits(_ batch: TokenBatch) throws -> Tensor {
    guard let L = config.numLabels else { preconditionFailure("logits: the encoder has no classification head") }
    let h = try hiddenStates(batch)
    let C = config.hiddenSize, S = batch.count
    let first = Tensor(shape: [S, C]), mid = Tensor(shape: [S, C]), out = Tensor(shape: [S, L])
    poolForward(out: first.data, x: h.data, layout: batch.layout, width: C, mode: .cls)
    linearForward(
      out: mid.data, x: first.data, weight: store.pointer(WeightNames.classifierDenseWeight),
      bias: store.pointer(WeightNames.classifierDenseBias), rows: S, inFeatures: C, outFeatures: C)
    for i in 0..<(S * C) { mid.data[i] = Foundation.tanh(mid.data[i]) }
    linearForward(
      out: out.data, x: mid.data, weight: store.pointer(WeightNames.classifierOutWeight),
      bias: store.pointer(WeightNames.classifierOutBias), rows: S, inFeatures: C, outFeatures: L)
    return out
  }

  /// The logits recorded on `tape`; with `dropout`, the config's hidden dropout applies in the
  /// encoder and before both head projections, as in training with transformers.
  public func logits(_ batch: TokenBatch, on tape: Tape, dropout: Bool) throws -> Variable {
    precondition(config.numLabels != nil, "logits: the encoder has no classification head")
    func p(_ name: String) -> Variable { tape.parameter(name, of: store) }
    let pDrop = dropout ? config.hiddenDropoutProb : 0
    var x = tape.pool(try hiddenStates(batch, on: tape, dropout: dropout), layout: batch.layout, mode: .cls)
    if pDrop > 0 { x = tape.dropout(x, p: pDrop) }
    x = tape.tanh(tape.linear(x, weight: p(WeightNames.classifierDenseWeight), bias: p(WeightNames.classifierDenseBias)))
    if pDrop > 0 { x = tape.dropout(x, p: pDrop) }
    return tape.linear(x, weight: p(WeightNames.classifierOutWeight), bias: p(WeightNames.classifierOutBias))
  }
}
