/// A training example as texts: a query, its positive and hard negatives (any number).
public struct TextTriplet: Sendable, Equatable {
  public var query: String
  public var positive: String
  public var negatives: [String]
  public init(query: String, positive: String, negatives: [String] = []) {
    self.query = query
    self.positive = positive
    self.negatives = negatives
  }
}
