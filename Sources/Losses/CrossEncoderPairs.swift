/// The pairs a cross-encoder scores for a batch: per example its query with its positive
/// (label 1) and with each of its first negatives (label 0), or a graded pair (label score /
/// maxScore, clamped to [0, 1]), each example's pairs (positive first) forming its group.
struct CrossEncoderPairs {
  var inputs: [LossInput] = []
  var labels: [Float] = []
  var groups: [[Int]] = []

  /// `negatives`: at most that many negatives per example (nil: all).
  init(_ examples: [LossExample], negatives: Int?, maxScore: Float) {
    func add(_ example: Int, _ b: ExampleText, _ label: Float) -> Int {
      inputs.append(.pair(example: example, .query, b))
      labels.append(label)
      return inputs.count - 1
    }
    for (i, e) in examples.enumerated() {
      if let score = e.score {
        groups.append([add(i, .positive, min(max(score / maxScore, 0), 1))])
      } else {
        let k = min(negatives ?? e.negatives.count, e.negatives.count)
        groups.append([add(i, .positive, 1)] + (0..<k).map { add(i, .negative($0), 0) })
      }
    }
  }
}
