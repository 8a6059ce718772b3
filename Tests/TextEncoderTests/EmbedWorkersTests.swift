import Autograd
import Foundation
import Testing

@testable import TextEncoder

/// `Encoder.embed` hands whole batches to the worker threads: the embeddings are the bits one
/// thread computes alone, every text is counted once in the progress, and a batch's error stops
/// the others and reaches the caller.
@Suite struct EmbedWorkersTests {
  struct Broken: Error, Equatable { let batch: Int }

  static func encoder() -> Encoder {
    let encoder = Encoder(config: EncoderConfig(
      vocabSize: 40, hiddenSize: 16, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 32, maxPositionEmbeddings: 40))
    encoder.initializeRandom(seed: 11)
    return encoder
  }

  /// 23 sequences of 1 to 19 tokens.
  static let sequences: [[Int32]] = (0..<23).map { (i: Int) -> [Int32] in
    let length = 1 + i * 7 % 19
    return (0..<length).map { (j: Int) -> Int32 in Int32((j * 5 + i) % 37 + 2) }
  }

  @Test func workersGiveTheBitsOfOneThread() throws {
    let encoder = Self.encoder()
    let lock = NSLock()
    var reported: [Int] = []
    let together = try encoder.embed(sequences: Self.sequences, pooling: .mean, normalize: true, batchSize: 4) { done in
      lock.withLock { reported.append(done) }
    }
    let alone = try Parallel.serially {
      try encoder.embed(sequences: Self.sequences, pooling: .mean, normalize: true, batchSize: 4)
    }
    #expect(together == alone)
    // 6 batches (the last of 3 texts): increasing counts of texts done, ending at all of them
    #expect(reported.count == 6)
    #expect(reported == reported.sorted() && Set(reported).count == 6 && reported.last == 23)
  }

  @Test func aBatchsErrorReachesTheCaller() {
    let encoder = Self.encoder()
    let e = #expect(throws: Broken.self) {
      try encoder.embed(count: Self.sequences.count, pooling: .cls, normalize: false, batchSize: 2, progress: nil) { range in
        if range.lowerBound == 6 { throw Broken(batch: 3) }
        return Self.sequences[range].map { $0 }
      }
    }
    #expect(e == Broken(batch: 3))
  }
}
