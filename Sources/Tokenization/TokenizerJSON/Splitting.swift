/// What a split keeps of the delimiters it finds (Hugging Face's `SplitDelimiterBehavior`).
enum SplitBehavior: String, Sendable {
  case removed = "Removed", isolated = "Isolated", mergedWithPrevious = "MergedWithPrevious"
  case mergedWithNext = "MergedWithNext", contiguous = "Contiguous"

  static func parse(_ node: JSONNode) throws -> SplitBehavior {
    let s = try node.string()
    guard let b = SplitBehavior(rawValue: s) else {
      throw node.error("\"\(s)\" is not supported (supported: Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous)")
    }
    return b
  }
}

extension NormalizedText {
  /// Segments covering the text: each scalar for which `isMatch` holds is a match of its own,
  /// the scalars between them one non-match segment.
  func segments(matching isMatch: (Unicode.Scalar) -> Bool) -> [(Range<Int>, Bool)] {
    var out: [(Range<Int>, Bool)] = []
    var start = 0
    for (i, c) in scalars.enumerated() where isMatch(c) {
      if start < i { out.append((start..<i, false)) }
      out.append((i..<(i + 1), true))
      start = i + 1
    }
    if start < scalars.count { out.append((start..<scalars.count, false)) }
    return out
  }

  /// Segments covering the text from the (sorted, disjoint) ranges of the matches.
  func segments(matches: [Range<Int>]) -> [(Range<Int>, Bool)] {
    var out: [(Range<Int>, Bool)] = []
    var start = 0
    for m in matches where !m.isEmpty {
      if start < m.lowerBound { out.append((start..<m.lowerBound, false)) }
      out.append((m, true))
      start = m.upperBound
    }
    if start < scalars.count { out.append((start..<scalars.count, false)) }
    return out
  }

  /// The non-overlapping occurrences of `pattern`, left to right.
  func occurrences(of pattern: [Unicode.Scalar]) -> [Range<Int>] {
    guard !pattern.isEmpty else { return [] }
    var out: [Range<Int>] = []
    var i = 0
    while i + pattern.count <= scalars.count {
      if scalars[i] == pattern[0], scalars[i..<(i + pattern.count)].elementsEqual(pattern) {
        out.append(i..<(i + pattern.count))
        i += pattern.count
      } else {
        i += 1
      }
    }
    return out
  }

  /// The pieces of a split of the text into `segments`, as `behavior` treats the matches
  /// (`invert` swaps matches and the rest first); empty pieces are dropped.
  func split(_ segments: [(Range<Int>, Bool)], _ behavior: SplitBehavior, invert: Bool = false) -> [NormalizedText] {
    let segs = invert ? segments.map { ($0.0, !$0.1) } : segments
    var ranges: [Range<Int>] = []
    switch behavior {
    case .removed:
      ranges = segs.filter { !$0.1 }.map { $0.0 }
    case .isolated:
      ranges = segs.map { $0.0 }
    case .contiguous:
      var previous = false
      for (r, m) in segs {
        if m == previous, let last = ranges.last {
          ranges[ranges.count - 1] = last.lowerBound..<r.upperBound
        } else {
          ranges.append(r)
        }
        previous = m
      }
    case .mergedWithPrevious:
      var previous = false
      for (r, m) in segs {
        if m && !previous, let last = ranges.last {
          ranges[ranges.count - 1] = last.lowerBound..<r.upperBound
        } else {
          ranges.append(r)
        }
        previous = m
      }
    case .mergedWithNext:
      var previous = false
      for (r, m) in segs.reversed() {
        if m && !previous, let last = ranges.last {
          ranges[ranges.count - 1] = r.lowerBound..<last.upperBound
        } else {
          ranges.append(r)
        }
        previous = m
      }
      ranges.reverse()
    }
    return ranges.filter { !$0.isEmpty }.map { slice($0) }
  }
}
