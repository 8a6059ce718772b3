import Autograd
import TextEncoder

/// Floating-point operations of the encoder on a packed batch (real tokens only, no padding),
/// counting the matrix products, which are nearly all of the work.
public enum EncoderFLOPs {
  /// Forward: per layer, the six linear maps (q, k, v, attention output: C×C; FFN: C×F twice)
  /// over every token, plus Q·Kᵀ and P·V per sequence and head.
  public static func forward(_ c: EncoderConfig, layout: SequenceLayout) -> Double {
    let C = Double(c.hiddenSize), F = Double(c.intermediateSize), T = Double(layout.totalTokens)
    let dense = 2 * T * (4 * C * C + 2 * C * F)
    let attention = (0..<layout.count).reduce(0.0) { s, i in
      let L = Double(layout.length(i))
      return s + 2 * 2 * L * L * C
    }
    return Double(c.numHiddenLayers) * (dense + attention)
  }

  /// Forward and backward: the backward pass does two products for each forward one.
  public static func forwardBackward(_ c: EncoderConfig, layout: SequenceLayout) -> Double {
    3 * forward(c, layout: layout)
  }
}
