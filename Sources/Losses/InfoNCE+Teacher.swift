extension InfoNCE {
  /// For distillation: each query's candidate columns in the (queries × candidates) score
  /// matrix, the teacher's scores of them, and which are absent (a query short of negatives, or
  /// a score the teacher left out), as (queries, width) tables.
  public struct TeacherTable: Sendable, Equatable {
    public var width: Int
    public var columns: [Int]
    public var scores: [Float]
    public var absent: [Bool]
  }

  /// The table of queries whose teacher scores of [positive, negatives…] are `teacher`, the
  /// batch's negatives belonging to `negativeOwners` in candidate order (after the n positives).
  static func teacherTable(_ teacher: [[Float]?], negativeOwners: [Int], width W: Int) throws -> TeacherTable {
    let n = teacher.count
    var columns = [Int](repeating: 0, count: n * W), scores = [Float](repeating: 0, count: n * W)
    var absent = [Bool](repeating: true, count: n * W)
    var filled = [Int](repeating: 1, count: n)
    for i in 0..<n {
      guard let t = teacher[i] else { throw LossError.noTeacherScores(example: i) }
      columns[i * W] = i
      scores[i * W] = t[0]
      absent[i * W] = !t[0].isFinite
    }
    for (k, owner) in negativeOwners.enumerated() {
      let j = filled[owner]
      filled[owner] += 1
      let t = teacher[owner]!
      columns[owner * W + j] = n + k
      if j < t.count && t[j].isFinite {
        scores[owner * W + j] = t[j]
        absent[owner * W + j] = false
      }
    }
    return TeacherTable(width: W, columns: columns, scores: scores, absent: absent)
  }

  /// MarginMSE's (query, negative) pairs in a (rows, width) table of absent candidates.
  static func marginPairs(_ absent: [Bool], width W: Int) -> Int {
    (0..<(absent.count / W)).reduce(0) { n, r in n + (1..<max(W, 1)).filter { !absent[r * W + $0] }.count }
  }
}
