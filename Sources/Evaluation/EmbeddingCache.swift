/// Embeddings of one model state, shared by the evaluation sets of one round: an STS set and a
/// retrieval set made of the same sentences (KorSTS dev as STS and as paraphrase retrieval)
/// embed each sentence once. Keyed by prefix and text; it must not outlive the weights it was
/// filled with (one per evaluation round).
public final class EmbeddingCache {
  struct Key: Hashable {
    var prefix: String
    var text: String
  }
  /// Rows kept at most; texts beyond it are embedded without being kept (a large corpus is not
  /// held twice).
  public let capacity: Int
  var rows: [Key: [Float]] = [:]

  public init(capacity: Int = 1 << 18) { self.capacity = capacity }

  public var count: Int { rows.count }
}

extension Evaluator {
  /// `texts` embedded (n × hidden, row-major), taking the cached rows and embedding the
  /// distinct others once.
  func embedCached(_ texts: [String], prefix: String, cache: EmbeddingCache) throws -> [Float] {
    let C = encoder.config.hiddenSize
    var missing: [String] = [], seen = Set<String>()
    for t in texts where cache.rows[.init(prefix: prefix, text: t)] == nil && seen.insert(t).inserted { missing.append(t) }
    var fresh: [String: Int] = [:]
    let embedded = missing.isEmpty ? [] : try embedWhole(missing, prefix: prefix)
    for (i, t) in missing.enumerated() {
      if cache.rows.count < cache.capacity {
        cache.rows[.init(prefix: prefix, text: t)] = Array(embedded[(i * C)..<((i + 1) * C)])
      } else {
        fresh[t] = i
      }
    }
    var out = [Float]()
    out.reserveCapacity(texts.count * C)
    for t in texts {
      if let row = cache.rows[.init(prefix: prefix, text: t)] {
        out += row
      } else {
        let i = fresh[t]!  // every text not cached was embedded above
        out += embedded[(i * C)..<((i + 1) * C)]
      }
    }
    return out
  }
}
