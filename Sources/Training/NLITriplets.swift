import Evaluation

/// A (query, positive, hard negative) training example.
public struct Triplet: Sendable, Equatable, Hashable {
  public var query: String
  public var positive: String
  public var negative: String

  public init(query: String, positive: String, negative: String) {
    self.query = query
    self.positive = positive
    self.negative = negative
  }
}

public enum NLITriplets {
  /// Triplets from an NLI TSV (KorNLI / XNLI layout: sentence1, sentence2, gold_label): each
  /// premise with an entailed hypothesis as the positive and a contradicting one as the hard
  /// negative, in file order. A premise with several entailments gives one triplet per
  /// entailment, paired with its contradictions in turn; premises lacking either are skipped.
  public static func read(path: String) throws -> [Triplet] {
    var order: [String] = []
    var byPremise: [String: (entailment: [String], contradiction: [String])] = [:]
    for pair in try NLIPairs.readTSV(path: path) {
      let premise = pair.premise, hypothesis = pair.hypothesis
      if byPremise[premise] == nil {
        order.append(premise)
        byPremise[premise] = ([], [])
      }
      switch pair.label {
      case "entailment": byPremise[premise]!.entailment.append(hypothesis)
      case "contradiction": byPremise[premise]!.contradiction.append(hypothesis)
      default: break
      }
    }
    var triplets: [Triplet] = []
    for premise in order {
      let (pos, neg) = byPremise[premise]!
      guard !neg.isEmpty else { continue }
      for (i, p) in pos.enumerated() {
        triplets.append(Triplet(query: premise, positive: p, negative: neg[i % neg.count]))
      }
    }
    return triplets
  }
}
