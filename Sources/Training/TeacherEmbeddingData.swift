import DataSets
import Foundation
import Losses
import Recipes

extension DataSetFiles {
  /// Loads the teacher embeddings of data sets `paths` (of stage `stage`), checked to be
  /// `teacher`'s, of one width, and to cover every text the files' examples use; returns the
  /// width.
  func loadTeacherEmbeddings(of paths: [String], stage: String, teacher: Recipe.Distill.EmbeddingTeacher) throws -> Int {
    var dims: Int?
    for path in paths {
      let k = try index(of: path)
      let file = files[k]
      guard let table = try file.teacherEmbeddings() else {
        throw TrainingError.teacherEmbeddings(stage: stage, path: path, detail: "no teacher embeddings (/teacher_embeddings)")
      }
      let by = table.attributes["teacher"] ?? "an unnamed teacher"
      guard by == teacher.directory else {
        throw TrainingError.teacherEmbeddings(stage: stage, path: path, detail: "holds the embeddings of \(by), not of the teacher \(teacher.directory)")
      }
      if let missing = try file.exampleRows().first(where: { table.index[$0] == nil }) {
        throw TrainingError.teacherEmbeddings(stage: stage, path: path, detail: "corpus row \(missing) has no teacher embedding")
      }
      if let d = dims, d != table.dims {
        throw TrainingError.teacherEmbeddings(stage: stage, path: path, detail: "\(table.dims)-dimensional teacher embeddings, another source has \(d)")
      }
      dims = table.dims
      teacherEmbeddings[k] = table
    }
    return dims ?? 0
  }
}

extension TextPreparation {
  /// The examples as objectives see them; with `teacherEmbeddings`, each with the teacher's
  /// embeddings of its query, positive and negatives (hdf5 examples only).
  func lossExamples(_ examples: [TrainingExample], teacherEmbeddings: Bool) throws -> [LossExample] {
    guard teacherEmbeddings else { return examples.map(\.lossExample) }
    return try examples.enumerated().map { i, e in
      var x = e.lossExample
      guard case .indexed(let f, let q, let p, let n, _) = e, let table = dataSets?.teacherEmbeddings[f] else {
        throw LossError.noTeacherEmbeddings(example: i)
      }
      x.teacherEmbeddings = try ([q, p] + n).map { row in
        guard let v = table.of(row) else { throw LossError.noTeacherEmbeddings(example: i) }
        return v
      }
      return x
    }
  }
}
