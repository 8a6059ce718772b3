import Autograd
import Foundation

/// A cross-encoder: the encoder with a classification head on each sequence's first token
/// (`WeightNames.Head`): logits = out(tanh(dense(h[first]))), with the dropout of its model type
/// (XLM-R, RoBERTa: before both projections; BERT: between them).
extension Encoder {
  /// Logits (S, numLabels) of a packed batch of pairs, dropout off.
  public func logits(_ batch: TokenBatch) throws -> Tensor {
    guard let L = config.numLabels else { preconditionFailure("logits: the encoder has no classification head") }
    let head = WeightNames.head(config)
    let h = try hiddenStates(batch)
    let C = config.hiddenSize, S = batch.count
    let first = Tensor(shape: [S, C]), mid = Tensor(shape: [S, C]), out = Tensor(shape: [S, L])
    poolForward(out: first.data, x: h.data, layout: batch.layout, width: C, mode: .cls)
    linearForward(
      out: mid.data, x: first.data, weight: store.pointer(head.denseWeight), weightBF16: store.bf16Copy([head.denseWeight]), bias: store.pointer(head.denseBias), rows: S,
      inFeatures: C, outFeatures: C)
    for i in 0..<(S * C) { mid.data[i] = Foundation.tanh(mid.data[i]) }
    linearForward(
      out: out.data, x: mid.data, weight: store.pointer(head.outWeight), weightBF16: store.bf16Copy([head.outWeight]), bias: store.pointer(head.outBias), rows: S,
      inFeatures: C, outFeatures: L)
    return out
  }

  /// The logits recorded on `tape`; with `dropout`, the config's hidden dropout applies in the
  /// encoder and in the head, as in training with transformers.
  public func logits(_ batch: TokenBatch, on tape: Tape, dropout: Bool) throws -> Variable {
    precondition(config.numLabels != nil, "logits: the encoder has no classification head")
    let head = WeightNames.head(config)
    func p(_ name: String) -> Variable { tape.parameter(name, of: store) }
    let pDrop = dropout ? config.hiddenDropoutProb : 0
    var x = tape.pool(try hiddenStates(batch, on: tape, dropout: dropout), layout: batch.layout, mode: .cls)
    if pDrop > 0 && head.dropoutBeforeDense { x = tape.dropout(x, p: pDrop) }
    x = tape.tanh(tape.linear(x, weight: p(head.denseWeight), bias: p(head.denseBias)))
    if pDrop > 0 { x = tape.dropout(x, p: pDrop) }
    return tape.linear(x, weight: p(head.outWeight), bias: p(head.outBias))
  }
}
