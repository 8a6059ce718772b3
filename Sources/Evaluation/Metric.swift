import Foundation

/// One named number of an evaluation (`spearman_cosine`, `cosine_ndcg@10`, …), named as
/// sentence-transformers' evaluators name them.
public struct Metric: Sendable, Equatable, Codable {
  public var name: String
  public var value: Double
  public init(_ name: String, _ value: Double) {
    self.name = name
    self.value = value
  }

  /// The value for JSONSerialization, which cannot hold NaN: null when not finite.
  public var jsonValue: Any { value.isFinite ? value : NSNull() }
}

extension Array where Element == Metric {
  /// The value of the metric called `name`, if present.
  public subscript(name: String) -> Double? { first { $0.name == name }?.value }
}
