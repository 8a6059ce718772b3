import ArgumentParser
import TextEncoder

/// `--truncate-dim N` of `embed` and `eval`: the leading dimensions of the embeddings used.
enum TruncateDimOption {
  /// `flag` (refused above the model's width, which it cannot give), else the model's
  /// truncate_dim as sentence-transformers applies it (min(width, truncate_dim)), else the width.
  static func dimension(flag: Int?, model: SentenceEncoder) throws -> Int {
    let width = model.config.hiddenSize
    if let flag {
      guard flag <= width else {
        throw ValidationError("--truncate-dim \(flag) is above the width of \(model.directory)'s embeddings (\(width))")
      }
      return flag
    }
    return EmbeddingTruncation.dimension(model.truncateDim, width: width)
  }
}
