import Autograd
import Recipes
import TextEncoder

/// Memory of training the encoder, estimated: what stays resident (weights, gradients, AdamW
/// moments) and what a step adds per text (the tape's activations, and about as much again for
/// the gradients of backward).
public enum EncoderMemory {
  /// Bytes of the activations the tape keeps for a packed batch (`Encoder.hiddenStates(_:on:
  /// dropout:)`): the embedding sum and its LayerNorm output (2·T·C) with that LayerNorm's mean
  /// and rstd (2·T); per layer q, k, v, the attention context, the two pre-LayerNorm sums and
  /// the two LayerNorm outputs, the second of which is the next layer's input (8·T·C), the
  /// LayerNorms' means and rstds (4·T), the FFN activation and its GELU slope (2·T·F) and the
  /// attention probabilities (H·ΣL²).
  public static func activationBytes(_ c: EncoderConfig, _ layout: SequenceLayout) -> Double {
    let T = Double(layout.totalTokens), C = Double(c.hiddenSize), F = Double(c.intermediateSize)
    let probs = (0..<layout.count).reduce(0.0) { $0 + Double(layout.length($1) * layout.length($1)) } * Double(c.numAttentionHeads)
    return 4 * (Double(c.numHiddenLayers) * (8 * T * C + 4 * T + 2 * T * F + probs) + 2 * T * C + 2 * T)
  }

  /// Weights, gradients and the two AdamW moments: 16 bytes per parameter.
  public static func residentBytes(parameters: Int) -> Double { 16 * Double(parameters) }

  /// What the process holds besides the model (runtime, tokenizer, data, the loss's matrices).
  static let overheadBytes = 512.0 * 1_048_576

  /// The mini-batch (texts per forward pass) of a stage: its `mini_batch`, or under `auto` the
  /// largest whose estimated peak fits the budget, counting every text at `maxLength` tokens.
  public static func miniBatch(
    _ setting: Recipe.MiniBatch?, stage: String, batchTexts: Int, config: EncoderConfig, parameters: Int, maxLength: Int
  ) throws -> Int? {
    switch setting {
    case nil: return nil
    case .texts(let n): return n
    case .auto(let megabytes):
      let budget = Double(megabytes) * 1_048_576
      let fixed = residentBytes(parameters: parameters) + overheadBytes
      let perText = 2 * activationBytes(config, SequenceLayout(lengths: [min(maxLength, config.maxSequenceLength)]))
      let n = Int((budget - fixed) / perText)
      guard n >= 1 else {
        throw TrainingError.memoryBudget(
          stage: stage, megabytes: megabytes, needed: Int((fixed + perText) / 1_048_576))
      }
      return min(n, batchTexts)
    }
  }
}
