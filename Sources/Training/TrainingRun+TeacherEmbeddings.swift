import DataSets
import Foundation
import Mining
import Recipes
import TextEncoder

extension TrainingRun {
  /// For every stage that distills embeddings, its teacher's embeddings of each hdf5 source's
  /// texts, computed once into the data set (`TeacherEmbedder`) unless it holds them already
  /// with the same teacher, prompt and length (so a started again or resumed run does not
  /// recompute them). On several ranks rank 0 decides, every rank embeds its share.
  func prepareTeacherEmbeddings() throws {
    let comm = communicator
    for stage in recipe.stages {
      guard let t = stage.distill?.embeddingTeacher else { continue }
      let teacher: SentenceEncoder
      do {
        teacher = try SentenceEncoder(directory: t.directory)
        try TeacherEmbedder.check(teacher)
      } catch {
        throw TrainingError.teacherEmbeddings(stage: stage.name, path: t.directory, detail: "\(error)")
      }
      teacher.encoder.store.precision = try recipePrecision()
      let prompt = t.prompt ?? teacher.defaultPromptName.flatMap { teacher.prompts[$0] } ?? ""
      var embedder = TeacherEmbedder(teacher: teacher, prompt: prompt)
      embedder.communicator = comm
      for path in stage.data.flatMap(\.paths) {
        let current = comm.isRoot && embedder.isCurrent(dataPath: path)
        if comm.size == 1 ? current : try comm.broadcast([current ? 1 : 0], root: 0)[0] == 1 {
          emit(.preparing("\(path) holds the embeddings of \(t.directory)"))
          continue
        }
        emit(.preparing("embedding \(path) with the teacher \(t.directory)"))
        let s = try embedder.embed(dataPath: path)
        emit(.preparing(String(format: "embedded %d texts (%d dimensions) in %.1fs", s.texts, s.dims, s.seconds)))
      }
    }
  }
}
