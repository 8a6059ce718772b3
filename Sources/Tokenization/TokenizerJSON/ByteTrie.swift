/// A trie over the UTF-8 bytes of a vocabulary's tokens, for prefix matches in time linear in
/// the match length: nodes hold their children as a sorted run of (byte, node) edges.
struct ByteTrie: Sendable {
  private var edgeStart: [Int32] = [0]
  private var edgeCount: [Int32] = [0]
  private var value: [Int32] = [-1]
  private var labels: [UInt8] = []
  private var targets: [Int32] = []

  /// A trie of `keys` (UTF-8 bytes) with their values; a repeated key keeps its last value.
  init(_ keys: [([UInt8], Int32)]) {
    let sorted = keys.enumerated().sorted { a, b in
      a.element.0.lexicographicallyPrecedes(b.element.0) || (a.element.0 == b.element.0 && a.offset < b.offset)
    }.map { $0.element }
    // Breadth-first over ranges of sorted keys sharing a prefix of length `depth`.
    var queue: [(node: Int, range: Range<Int>, depth: Int)] = [(0, 0..<sorted.count, 0)]
    var head = 0
    while head < queue.count {
      let (node, range, depth) = queue[head]
      head += 1
      var i = range.lowerBound
      while i < range.upperBound, sorted[i].0.count == depth {
        value[node] = sorted[i].1
        i += 1
      }
      edgeStart[node] = Int32(labels.count)
      var children: [(Int, Range<Int>)] = []
      while i < range.upperBound {
        let b = sorted[i].0[depth]
        var j = i + 1
        while j < range.upperBound, sorted[j].0[depth] == b { j += 1 }
        let child = value.count
        value.append(-1)
        edgeStart.append(0)
        edgeCount.append(0)
        labels.append(b)
        targets.append(Int32(child))
        children.append((child, i..<j))
        i = j
      }
      edgeCount[node] = Int32(children.count)
      for (child, r) in children { queue.append((child, r, depth + 1)) }
    }
  }

  static let root = 0

  /// The child of `node` along `byte`, or nil.
  func child(_ node: Int, _ byte: UInt8) -> Int? {
    var lo = Int(edgeStart[node]), hi = lo + Int(edgeCount[node])
    while lo < hi {
      let mid = (lo + hi) / 2
      if labels[mid] < byte { lo = mid + 1 } else { hi = mid }
    }
    return lo < Int(edgeStart[node]) + Int(edgeCount[node]) && labels[lo] == byte ? Int(targets[lo]) : nil
  }

  /// The value of a key ending at `node`, or nil.
  func value(at node: Int) -> Int32? { value[node] >= 0 ? value[node] : nil }

  /// The node reached from `node` along `bytes`, or nil.
  func walk<C: Collection<UInt8>>(_ bytes: C, from node: Int = root) -> Int? {
    var n = node
    for b in bytes {
      guard let c = child(n, b) else { return nil }
      n = c
    }
    return n
  }

  /// The value of `key`, or nil.
  func lookup<C: Collection<UInt8>>(_ key: C) -> Int32? { walk(key).flatMap(value(at:)) }
}
