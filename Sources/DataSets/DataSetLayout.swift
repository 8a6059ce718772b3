/// Where a data set file keeps what (all readable by h5py):
///
///     /corpus/texts        string (N)            every distinct text once
///     /corpus/ids          int32 (T), chunked    SentencePiece-based XLM-R ids of each text, no specials
///     /corpus/offsets      int64 (N + 1)         text i is ids[offsets[i] ..< offsets[i + 1]]
///     /examples/query      int64 (E)             corpus index of each example's query
///     /examples/positive   int64 (E)             … of its positive
///     /examples/negatives  int64 (E, K)          … of its hard negatives from the data, −1 = none
///     /mined/negatives     int64 (E, k)          mined hard negatives, −1 = none
///     /mined/scores        float32 (E, k)        their similarity to the query
///     /mined/positive_scores float32 (E)         the positive's similarity to the query
///     /teacher/scores      float32 (E, 1 + k)    a teacher's scores of [positive, negatives…]
///
/// Root attributes: `format` = "trainer-dataset", `version`, `tokenizer` (the model file's
/// FNV-1a fingerprint), `tokenizer_path`, `sources`. `/mined` records `model`, `rank_window`,
/// `margin`, `seed`, `date` and `summary` (JSON); `/teacher` records `teacher`, `candidates`
/// (which negatives were scored) and `date`.
public enum DataSetLayout {
  public static let format = "trainer-dataset"
  public static let version = "1"
  public static let texts = "corpus/texts"
  public static let ids = "corpus/ids"
  public static let offsets = "corpus/offsets"
  public static let query = "examples/query"
  public static let positive = "examples/positive"
  public static let negatives = "examples/negatives"
  public static let minedNegatives = "mined/negatives"
  public static let minedScores = "mined/scores"
  public static let minedPositiveScores = "mined/positive_scores"
  public static let teacherScores = "teacher/scores"
  /// Which hard negatives of an example a teacher scored (the `/teacher` attribute `candidates`).
  public enum Negatives: String, Sendable { case mined, data }
  /// Rows per chunk of /corpus/ids (so a batch reads a few chunks, not the whole corpus).
  static let idChunk = 16_384
}
