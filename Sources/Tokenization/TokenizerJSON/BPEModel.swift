/// BPE: a word as the tokens of its scalars (with `continuing_subword_prefix` on all but the
/// first and `end_of_word_suffix` on the last; unknown ones as `<0xXX>` bytes under
/// `byte_fallback`, else the unknown token, fused under `fuse_unk`, else dropped), then merged
/// pair by pair, the pair of lowest merge rank first (leftmost on a tie), as Hugging Face does.
struct BPEModel: Sendable {
  let vocab: [String: Int32]
  /// (left id << 32 | right id) → (rank, merged id).
  let merges: [UInt64: (rank: Int32, id: Int32)]
  let unk: Int32?
  let fuseUnk: Bool
  let byteFallback: Bool
  let prefix: String?
  let suffix: String?
  let ignoreMerges: Bool

  init(_ node: JSONNode, vocab: [String: Int32]) throws {
    self.vocab = vocab
    try node.refuse("dropout", unless: { $0 == nil }, "dropout")
    prefix = try node.optionalString("continuing_subword_prefix")
    suffix = try node.optionalString("end_of_word_suffix")
    fuseUnk = try node.optionalBool("fuse_unk", default: false)
    byteFallback = try node.optionalBool("byte_fallback", default: false)
    ignoreMerges = try node.optionalBool("ignore_merges", default: false)
    if let field = try node.optional("unk_token") {
      let t = try field.string()
      guard let u = vocab[t] else { throw field.error("\"\(t)\" is not in the vocabulary") }
      unk = u
    } else {
      unk = nil
    }
    let prefixLength = prefix?.utf8.count ?? 0
    var merges: [UInt64: (rank: Int32, id: Int32)] = [:]
    for (rank, entry) in try node.require("merges").array().enumerated() {
      let a: String, b: String
      if let pair = entry.value as? [Any] {
        let parts = try entry.array()
        guard pair.count == 2 else { throw entry.error("expected [left, right]") }
        (a, b) = (try parts[0].string(), try parts[1].string())
      } else {
        let parts = try entry.string().split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw entry.error("expected \"left right\"") }
        (a, b) = (String(parts[0]), String(parts[1]))
      }
      let merged = a + String(decoding: b.utf8.dropFirst(prefixLength), as: UTF8.self)
      guard let ia = vocab[a], let ib = vocab[b], let im = vocab[merged] else {
        throw entry.error("a token of the merge \"\(a)\" + \"\(b)\" is not in the vocabulary")
      }
      merges[UInt64(UInt32(bitPattern: ia)) << 32 | UInt64(UInt32(bitPattern: ib))] = (Int32(rank), im)
    }
    self.merges = merges
  }

  private func merge(_ a: Int32, _ b: Int32) -> (rank: Int32, id: Int32)? {
    merges[UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b))]
  }

  func encode(_ word: NormalizedText, into out: inout [Int32]) {
    let text = word.string
    if ignoreMerges, let id = vocab[text] { return out.append(id) }
    var symbols: [Int32] = []
    var pendingUnk = false
    let scalars = word.scalars
    for (k, c) in scalars.enumerated() {
      var s = String(c)
      if k > 0, let prefix { s = prefix + s }
      if k == scalars.count - 1, let suffix { s += suffix }
      if let id = vocab[s] {
        if pendingUnk, let unk { symbols.append(unk) }
        pendingUnk = false
        symbols.append(id)
        continue
      }
      if byteFallback {
        let bytes = s.utf8.map { vocab["<0x" + String(format2: Int($0)) + ">"] }
        if bytes.allSatisfy({ $0 != nil }) {
          symbols.append(contentsOf: bytes.compactMap { $0 })
          continue
        }
      }
      if let unk {
        if pendingUnk && !fuseUnk { symbols.append(unk) }
        pendingUnk = true
      }
    }
    if pendingUnk, let unk { symbols.append(unk) }
    out.append(contentsOf: mergeAll(symbols))
  }

  /// The merges applied with a heap of candidate pairs over a linked list of symbols.
  private func mergeAll(_ start: [Int32]) -> [Int32] {
    guard start.count > 1 else { return start }
    var ids = start
    var next = Array(1...start.count)
    var prev = Array(-1..<(start.count - 1))
    var alive = [Bool](repeating: true, count: start.count)
    var heap = MergeHeap()
    for i in 0..<(ids.count - 1) {
      if let m = merge(ids[i], ids[i + 1]) { heap.push(.init(rank: m.rank, pos: i, id: m.id)) }
    }
    while let top = heap.pop() {
      let p = top.pos
      guard alive[p], next[p] < ids.count else { continue }
      let r = next[p]
      guard let m = merge(ids[p], ids[r]), m.id == top.id else { continue }
      ids[p] = m.id
      alive[r] = false
      next[p] = next[r]
      if next[r] < ids.count { prev[next[r]] = p }
      if prev[p] >= 0, let m = merge(ids[prev[p]], ids[p]) { heap.push(.init(rank: m.rank, pos: prev[p], id: m.id)) }
      if next[p] < ids.count, let m = merge(ids[p], ids[next[p]]) { heap.push(.init(rank: m.rank, pos: p, id: m.id)) }
    }
    return ids.indices.filter { alive[$0] }.map { ids[$0] }
  }
}

/// A binary min-heap of candidate merges by (rank, position).
struct MergeHeap: Sendable {
  struct Entry {
    let rank: Int32
    let pos: Int
    let id: Int32
    static func < (a: Entry, b: Entry) -> Bool { a.rank != b.rank ? a.rank < b.rank : a.pos < b.pos }
  }
  private var items: [Entry] = []

  mutating func push(_ e: Entry) {
    items.append(e)
    var i = items.count - 1
    while i > 0 {
      let parent = (i - 1) / 2
      guard items[i] < items[parent] else { break }
      items.swapAt(i, parent)
      i = parent
    }
  }

  mutating func pop() -> Entry? {
    guard let first = items.first else { return nil }
    let last = items.removeLast()
    if !items.isEmpty {
      items[0] = last
      var i = 0
      while true {
        let l = 2 * i + 1, r = l + 1
        var m = i
        if l < items.count, items[l] < items[m] { m = l }
        if r < items.count, items[r] < items[m] { m = r }
        if m == i { break }
        items.swapAt(i, m)
        i = m
      }
    }
    return first
  }
}
