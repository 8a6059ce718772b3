import TextFiles

/// What reading a stage's data left out: rows skipped by reason (`on_bad_row: skip`), with the
/// first of each as an example; rows a `where` filter left out; hard negatives dropped because
/// they equal a positive of their query.
public struct LoadReport: Sendable, Equatable {
  public var skipped: [BadRowReason: Int] = [:]
  public var firstSkipped: [BadRowReason: String] = [:]
  public var filtered = 0
  public var droppedNegatives = 0

  public init() {}

  public var skippedRows: Int { skipped.values.reduce(0, +) }
  public var isEmpty: Bool { skippedRows == 0 && filtered == 0 && droppedNegatives == 0 }

  mutating func skip(_ bad: BadRow) {
    skipped[bad.reason, default: 0] += 1
    if firstSkipped[bad.reason] == nil { firstSkipped[bad.reason] = "\(bad)" }
  }

  mutating func add(_ other: LoadReport) {
    for (k, v) in other.skipped { skipped[k, default: 0] += v }
    for (k, v) in other.firstSkipped where firstSkipped[k] == nil { firstSkipped[k] = v }
    filtered += other.filtered
    droppedNegatives += other.droppedNegatives
  }

  /// One line: "skipped 3 bad rows (2 empty text, 1 no positive); 5 hard negatives equal to a
  /// positive dropped", nil when nothing was left out.
  public var summary: String? {
    var parts: [String] = []
    if skippedRows > 0 {
      let reasons = skipped.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key.rawValue)" }
      parts.append("skipped \(skippedRows) bad row\(skippedRows == 1 ? "" : "s") (\(reasons.joined(separator: ", ")))")
    }
    if filtered > 0 { parts.append("\(filtered) row\(filtered == 1 ? "" : "s") left out by where") }
    if droppedNegatives > 0 {
      parts.append("\(droppedNegatives) hard negative\(droppedNegatives == 1 ? "" : "s") equal to a positive of the query dropped")
    }
    return parts.isEmpty ? nil : parts.joined(separator: "; ")
  }
}
