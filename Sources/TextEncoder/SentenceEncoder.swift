import Autograd
import Foundation
import SafeTensors
import Tokenization

/// A sentence-embedding model loaded from a Hugging Face / sentence-transformers directory:
/// `config.json`, `model.safetensors`, `sentencepiece.bpe.model`, and optionally `modules.json`,
/// `1_Pooling/config.json`, `sentence_bert_config.json`, `config_sentence_transformers.json`.
public final class SentenceEncoder: @unchecked Sendable {
  public let directory: String
  public let encoder: Encoder
  public let tokenizer: Tokenizer
  public let pooling: PoolingMode
  public let normalize: Bool
  public let prompts: [String: String]
  /// config_sentence_transformers.json's default_prompt_name (a key of `prompts`), if any.
  public let defaultPromptName: String?
  /// sentence_bert_config.json's max_seq_length, if given.
  public let maxSeqLength: Int?
  /// config_sentence_transformers.json's truncate_dim, if given: the leading dimensions
  /// sentence-transformers' `encode` keeps (`embed` does not apply it; see `EmbeddingTruncation`).
  public let truncateDim: Int?

  public var config: EncoderConfig { encoder.config }

  /// The text of the prompt named `name` in the model's config_sentence_transformers.json; an
  /// error naming the prompts it has.
  public func prompt(named name: String) throws -> String {
    try SentenceTransformersLayout(prompts: prompts).prompt(named: name, directory: directory)
  }

  /// With `crossEncoderHeadSeed`, the model is loaded as a cross-encoder with one logit: a
  /// sentence encoder's weights get a fresh classification head from that seed (a
  /// cross-encoder's own head is kept).
  public init(directory: String, crossEncoderHeadSeed: UInt64? = nil) throws {
    self.directory = directory
    let dir = URL(fileURLWithPath: directory)
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
      throw TextEncoderError.cannotRead(path: directory, reason: "model directory not found")
    }
    var config = try EncoderConfig.load(path: dir.appendingPathComponent("config.json").path)
    if crossEncoderHeadSeed != nil && config.numLabels == nil { config.numLabels = 1 }
    let layout = try SentenceTransformersLayout.read(directory: dir)
    tokenizer = try Tokenizer.load(directory: dir, config: config, layout: layout)
    let weights = try SafeTensorsFile(path: dir.appendingPathComponent("model.safetensors").path)
    encoder = try Encoder(config: config, weights: weights, headSeed: crossEncoderHeadSeed)
    pooling = layout.pooling
    normalize = layout.normalize
    prompts = layout.prompts
    defaultPromptName = layout.defaultPromptName
    maxSeqLength = layout.maxSeqLength
    truncateDim = layout.truncateDim
  }

  /// Embeds texts in batches of `batchSize`, calling `progress(done)` after each batch.
  /// Returns (n, hidden) row-major.
  public func embed(
    _ texts: [String], prefix: String = "", batchSize: Int = 32, progress: ((Int) -> Void)? = nil
  ) throws -> [Float] {
    try encoder.embed(
      texts: texts, tokenizer: tokenizer, prefix: prefix, pooling: pooling, normalize: normalize, batchSize: batchSize,
      progress: progress)
  }
}

extension Encoder {
  /// Tokenizes and embeds texts in batches of `batchSize` (dropout off), calling
  /// `progress(done)` after each batch. `maxLength` caps the tokenizer's. Returns (n, hidden)
  /// row-major.
  public func embed(
    texts: [String], tokenizer: Tokenizer, prefix: String, maxLength: Int? = nil, pooling: PoolingMode, normalize: Bool,
    batchSize: Int = 32, progress: ((Int) -> Void)? = nil
  ) throws -> [Float] {
    try embed(
      count: texts.count, pooling: pooling, normalize: normalize, batchSize: batchSize, progress: progress
    ) { try texts[$0].map { try tokenizer.encode($0, prefix: prefix, maxLength: maxLength) } }
  }

  /// Embeds tokenized texts the same way.
  public func embed(
    sequences: [[Int32]], pooling: PoolingMode, normalize: Bool, batchSize: Int = 32, progress: ((Int) -> Void)? = nil
  ) throws -> [Float] {
    try embed(count: sequences.count, pooling: pooling, normalize: normalize, batchSize: batchSize, progress: progress) {
      Array(sequences[$0])
    }
  }

  /// `count` texts in batches of `batchSize`, batch `range` tokenized by `tokens(range)`. With
  /// several worker threads each takes whole batches (tokenizing and encoding them in its own
  /// thread, the kernels inside serial), so no kernel waits for the other threads; a batch's
  /// embeddings do not depend on which thread made them.
  func embed(
    count: Int, pooling: PoolingMode, normalize: Bool, batchSize: Int, progress: ((Int) -> Void)?,
    tokens: (Range<Int>) throws -> [[Int32]]
  ) throws -> [Float] {
    guard batchSize >= 1 else { throw TextEncoderError.badBatchSize(batchSize) }
    let C = config.hiddenSize
    var out = [Float](repeating: 0, count: count * C)
    guard count > 0 else { return out }
    let batches = (count + batchSize - 1) / batchSize
    let workers = min(Parallel.isSerial ? 1 : Parallel.threads, batches)
    try out.withUnsafeMutableBufferPointer { o in
      let base = o.baseAddress!
      /// Batch `b` embedded into its rows of `out`; returns how many texts it held.
      func embedBatch(_ b: Int) throws -> Int {
        let start = b * batchSize, end = min(start + batchSize, count)
        let e = try embed(TokenBatch(sequences: tokens(start..<end), config: config), pooling: pooling, normalize: normalize)
        withExtendedLifetime(e) { (base + start * C).update(from: e.data, count: e.count) }
        return end - start
      }
      var done = 0
      if workers <= 1 {
        for b in 0..<batches {
          done += try embedBatch(b)
          progress?(done)
        }
        return
      }
      // the next batch to take, the texts done, the first error: under `lock`
      let lock = NSLock()
      var next = 0
      var failure: Error?
      DispatchQueue.concurrentPerform(iterations: workers) { _ in
        Parallel.serially {
          while true {
            let batch: Int? = lock.withLock {
              guard failure == nil, next < batches else { return nil }
              next += 1
              return next - 1
            }
            guard let batch else { return }
            do {
              let texts = try embedBatch(batch)
              lock.withLock {
                done += texts
                progress?(done)
              }
            } catch {
              lock.withLock { if failure == nil { failure = error } }
            }
          }
        }
      }
      if let failure { throw failure }
    }
    return out
  }
}
