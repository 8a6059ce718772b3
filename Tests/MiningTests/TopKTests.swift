import Autograd
import Foundation
import Mining
import Testing

@Suite struct TopKTests {
  /// Random unit vectors.
  static func vectors(_ n: Int, dim: Int, rng: inout SplitMix64) -> [Float] {
    var v = (0..<(n * dim)).map { _ in rng.nextNormal() }
    for i in 0..<n {
      let norm = (0..<dim).reduce(Float(0)) { $0 + v[i * dim + $1] * v[i * dim + $1] }.squareRoot()
      for d in 0..<dim { v[i * dim + d] /= norm }
    }
    return v
  }

  /// Exhaustive search in double precision: for each query every score, sorted (best first,
  /// ties by lower id).
  static func exhaustive(_ q: [Float], _ corpus: [Float], dim: Int) -> [[(id: Int32, score: Double)]] {
    let n = corpus.count / dim
    func dot(_ i: Int, _ j: Int) -> Double {
      var s = 0.0
      for d in 0..<dim { s += Double(q[i * dim + d]) * Double(corpus[j * dim + d]) }
      return s
    }
    return (0..<(q.count / dim)).map { i -> [(id: Int32, score: Double)] in
      let all: [(id: Int32, score: Double)] = (0..<n).map { j in (Int32(j), dot(i, j)) }
      return all.sorted { $0.score > $1.score || ($0.score == $1.score && $0.id < $1.id) }
    }
  }

  /// Our ids equal the exhaustive ones; where they differ, the two scores tie within float error.
  static func agree(_ top: TopK, _ reference: [[(id: Int32, score: Double)]], k: Int) -> (exact: Int, nearTies: Int, wrong: Int) {
    var exact = 0, near = 0, wrong = 0
    for (i, ref) in reference.enumerated() {
      let scores = Dictionary(uniqueKeysWithValues: ref.map { ($0.id, $0.score) })
      for r in 0..<k {
        let id = top.ids[i * k + r]
        if id == ref[r].id { exact += 1 } else if let s = scores[id], abs(s - ref[r].score) < 1e-6 { near += 1 } else { wrong += 1 }
        // the returned score is that id's score
        if let s = scores[id], abs(Double(top.scores[i * k + r]) - s) > 1e-5 { wrong += 1 }
      }
    }
    return (exact, near, wrong)
  }

  @Test func blockedSearchEqualsExhaustiveSearchOn5000Vectors() throws {
    var rng = SplitMix64(seed: 7)
    let dim = 48, k = 25
    let corpus = Self.vectors(5000, dim: dim, rng: &rng), queries = Self.vectors(60, dim: dim, rng: &rng)
    let reference = Self.exhaustive(queries, corpus, dim: dim)
    // corpus in uneven blocks (the last one short), through the on-disk chunk store
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("topk-\(getpid())")
    defer { try? FileManager.default.removeItem(at: dir) }
    let chunks = try EmbeddingChunks(directory: dir, key: "test", rows: 5000, dim: dim, rowsPerChunk: 700, precision: .f32)
    for c in 0..<chunks.chunkCount {
      let r = chunks.range(c)
      try chunks.write(c, Array(corpus[(r.lowerBound * dim)..<(r.upperBound * dim)]))
    }
    let top = try TopK.search(queries: queries, dim: dim, k: k, blocks: chunks.blocks())
    let result = Self.agree(top, reference, k: k)
    #expect(result.wrong == 0)
    #expect(result.exact >= 60 * k - 2, "near ties: \(result.nearTies)")
    // one block holding everything gives the same answer
    var once = false
    let whole = try TopK.search(queries: queries, dim: dim, k: k) {
      defer { once = true }
      return once ? nil : (0, corpus)
    }
    #expect(whole.ids == top.ids)
  }

  @Test func halfPrecisionChunksSearchTheirRoundedVectors() throws {
    var rng = SplitMix64(seed: 11)
    let dim = 32, k = 10
    let corpus = Self.vectors(1200, dim: dim, rng: &rng), queries = Self.vectors(20, dim: dim, rng: &rng)
    let rounded = corpus.map { Float(Float16($0)) }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("topk16-\(getpid())")
    defer { try? FileManager.default.removeItem(at: dir) }
    let chunks = try EmbeddingChunks(directory: dir, key: "test", rows: 1200, dim: dim, rowsPerChunk: 500, precision: .f16)
    for c in 0..<chunks.chunkCount {
      let r = chunks.range(c)
      try chunks.write(c, Array(corpus[(r.lowerBound * dim)..<(r.upperBound * dim)]))
    }
    #expect(try chunks.read(1) == Array(rounded[(500 * dim)..<(1000 * dim)]))
    let top = try TopK.search(queries: queries, dim: dim, k: k, blocks: chunks.blocks())
    #expect(Self.agree(top, Self.exhaustive(queries, rounded, dim: dim), k: k).wrong == 0)
  }

  @Test func fewerHitsThanKArePadded() throws {
    var once = false
    let top = try TopK.search(queries: [1, 0], dim: 2, k: 4) {
      defer { once = true }
      return once ? nil : (0, [0, 1, 1, 0, 0.5, 0.5])
    }
    #expect(top.ids == [1, 2, 0, -1])
    #expect(top.scores[3] == -.infinity)
  }

  @Test func equalScoresRankTheLowerRowFirst() throws {
    var once = false
    let top = try TopK.search(queries: [1, 0], dim: 2, k: 3) {
      defer { once = true }
      return once ? nil : (10, [0.5, 0, 1, 0, 0.5, 0, 1, 0])
    }
    #expect(top.ids == [11, 13, 10])
  }
}
