import Mining
import Testing

@Suite struct NegativeSelectionTests {
  // hits of query 0 (positive 1, given negative 7), best first
  let hits: [Int32] = [0, 1, 5, 7, 9, 2, 3, 4, 8, 6, -1]
  let scores: [Float] = [1.0, 0.9, 0.88, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, -.infinity]

  @Test func theWindowCountsRanksAfterTheQueryItsPositiveAndGivenNegatives() {
    // after dropping 0, 1 and 7, ranks are 5:1 9:2 2:3 3:4 4:5 8:6 6:7
    let s = NegativeSelection(count: 10, window: 2...5)
    let out = s.choose(row: 0, hits: hits[...], scores: scores[...], query: 0, positive: 1, positiveScore: 0.9, given: [7])
    #expect(out.negatives == [9, 2, 3, 4])
    #expect(out.scores == [0.7, 0.6, 0.5, 0.4])
    #expect(out.excluded == 3)
    #expect(out.outsideWindow == 3)
    #expect(out.tooClose == 0)
  }

  @Test func marginsDropCandidatesCloseToThePositive() {
    // absolute: keep s <= 0.9 - 0.15 = 0.75; 5 (0.88) goes
    let absolute = NegativeSelection(count: 10, window: 1...4, margin: 0.15)
    let a = absolute.choose(row: 0, hits: hits[...], scores: scores[...], query: 0, positive: 1, positiveScore: 0.9, given: [7])
    #expect(a.negatives == [9, 2, 3])
    #expect(a.tooClose == 1)
    // relative: keep s <= 0.9 × (1 − 0.3) = 0.63; 5 and 9 go
    let relative = NegativeSelection(count: 10, window: 1...4, relativeMargin: 0.3)
    let r = relative.choose(row: 0, hits: hits[...], scores: scores[...], query: 0, positive: 1, positiveScore: 0.9, given: [7])
    #expect(r.negatives == [2, 3])
    #expect(r.tooClose == 2)
  }

  @Test func drawingIsSeededPerExampleAndKeepsRankOrder() {
    let s = NegativeSelection(count: 3, window: 1...7, seed: 42)
    let a = s.choose(row: 5, hits: hits[...], scores: scores[...], query: 0, positive: 1, positiveScore: 0.9, given: [7])
    let b = s.choose(row: 5, hits: hits[...], scores: scores[...], query: 0, positive: 1, positiveScore: 0.9, given: [7])
    #expect(a == b)
    #expect(a.negatives.count == 3)
    let order = hits.firstIndex(of:)
    #expect(a.negatives.map { order($0)! } == a.negatives.map { order($0)! }.sorted())
    // other rows or seeds draw differently (over a few tries)
    let others = (6..<12).map { s.choose(row: $0, hits: hits[...], scores: scores[...], query: 0, positive: 1, positiveScore: 0.9, given: [7]).negatives }
    #expect(others.contains { $0 != a.negatives })
    // fewer survivors than asked: all of them
    let few = NegativeSelection(count: 5, window: 6...9).choose(
      row: 0, hits: hits[...], scores: scores[...], query: 0, positive: 1, positiveScore: 0.9, given: [7])
    #expect(few.negatives == [8, 6])
  }
}
