/// Errors of data set files; each names the file and the dataset, attribute or row involved.
public enum DataSetError: Error, CustomStringConvertible {
  case notADataSet(path: String, detail: String)
  case otherTokenizer(path: String, built: String, model: String)
  case inconsistent(path: String, name: String, detail: String)
  case outOfCorpus(path: String, name: String, row: Int, column: Int?, index: Int64, corpus: Int)
  case outOfVocabulary(path: String, name: String, row: Int, position: Int, id: Int32, vocabulary: Int)
  case empty(detail: String)
  case badTeacher(path: String, detail: String)

  public var description: String {
    switch self {
    case .notADataSet(let p, let d): "\(p): not a trainer data set: \(d)"
    case .otherTokenizer(let p, let built, let model):
      "\(p): tokenized with another tokenizer (\(built)); this model's is \(model). Build the data set again with this model"
    case .inconsistent(let p, let n, let d): "\(p): '\(n)': \(d)"
    case .outOfCorpus(let p, let n, let r, let c, let i, let size):
      "\(p): '\(n)'[\(r)\(c.map { ", \($0)" } ?? "")] = \(i) points past the corpus of \(size) texts"
    case .outOfVocabulary(let p, let n, let r, let k, let id, let v):
      "\(p): '\(n)': corpus row \(r) holds token id \(id) at position \(k), outside the model's vocabulary of \(v) ids"
    case .empty(let d): "empty data set: \(d)"
    case .badTeacher(let p, let d): "\(p): cannot be a teacher: \(d)"
    }
  }
}
