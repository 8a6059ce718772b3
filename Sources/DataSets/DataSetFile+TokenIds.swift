import HDF5Files

extension DataSetFile {
  /// Refuses a corpus holding a token id outside `0..<vocabularySize` (the model's embedding
  /// rows), naming the corpus row and position of the first one, so that a run or a miner finds
  /// it when it opens the data set rather than when (or if) it reaches that row. The ids are
  /// read a block at a time.
  public func checkTokenIds(vocabularySize: Int, block: Int = 1 << 20) throws {
    let total = Int(offsets.last ?? 0)
    var start = 0
    while start < total {
      let end = min(start + block, total)
      let ids: [Int32] = try file.read(DataSetLayout.ids, rows: start..<end)
      if let k = ids.firstIndex(where: { $0 < 0 || Int($0) >= vocabularySize }) {
        let position = start + k
        let row = corpusRow(containing: position)
        throw DataSetError.outOfVocabulary(
          path: path, name: DataSetLayout.ids, row: row, position: position - Int(offsets[row]), id: ids[k], vocabulary: vocabularySize)
      }
      start = end
    }
  }

  /// The corpus row whose ids include position `position` of /corpus/ids (offsets ascend).
  func corpusRow(containing position: Int) -> Int {
    var low = 0, high = corpusCount - 1
    while low < high {
      let mid = (low + high + 1) / 2
      if Int(offsets[mid]) <= position { low = mid } else { high = mid - 1 }
    }
    return low
  }
}
