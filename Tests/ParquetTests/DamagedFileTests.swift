import Foundation
import Parquet
import TestSupport
import Testing

/// Damaged, truncated and unexpected files give a ParquetError naming the file and, where they
/// apply, the row group, column and row; never a trap.
@Suite struct DamagedFileTests {
  func fixture(_ name: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("parquet/\(name).parquet"))))
  }

  func write(_ bytes: [UInt8]) throws -> String {
    let path = Fixtures.temporaryDirectory().appendingPathComponent("damaged.parquet").path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
  }

  /// Opens the file and reads every column of every row group; the first error, or nil.
  func firstError(_ path: String) -> ParquetError? {
    do {
      let file = try ParquetFile(path: path)
      for g in 0..<file.rowGroupCount {
        for c in file.columns where c.kind != .unsupported { _ = try file.read(rowGroup: g, column: c.name) }
      }
      return nil
    } catch let e as ParquetError {
      return e
    } catch {
      Issue.record("not a ParquetError: \(error)")
      return nil
    }
  }

  /// The footer's length, from the last 8 bytes.
  func footerLength(_ b: [UInt8]) -> Int {
    let n = b.count
    return Int(b[n - 8]) | Int(b[n - 7]) << 8 | Int(b[n - 6]) << 16 | Int(b[n - 5]) << 24
  }

  @Test func truncatedFilesAreRefused() throws {
    let bytes = try fixture("snappy")
    for keep in [0, 3, 11, 100, bytes.count / 2, bytes.count - 9, bytes.count - 1] {
      let path = try write(Array(bytes[..<keep]))
      let e = try #require(firstError(path), "kept \(keep) bytes")
      #expect(e.path == path)
      #expect(e.message.contains("too short") || e.message.contains("magic"), "\(e)")
    }
  }

  @Test func badMagicAndFooterLengthAreRefused() throws {
    var bytes = try fixture("none")
    bytes[0] = UInt8(ascii: "Q")
    #expect(firstError(try write(bytes))?.message.contains("does not start with the Parquet magic") == true)
    bytes = try fixture("none")
    let n = bytes.count
    bytes[n - 5] = 0x7f  // a footer length of about 2 GB
    let e = firstError(try write(bytes))
    #expect(e?.message.contains("footer length") == true, "\(String(describing: e))")
  }

  /// Bytes of the footer flipped in turn (about 250 spread over it): each file reads or gives a
  /// ParquetError.
  @Test(arguments: ["none", "snappy", "v2", "legacy-lists"]) func flippedFooterBytesAreHandled(_ name: String) throws {
    let bytes = try fixture(name)
    let footerStart = bytes.count - 8 - footerLength(bytes)
    let dir = Fixtures.temporaryDirectory()
    var errors = 0
    let step = max(1, (bytes.count - 8 - footerStart) / 250)
    var tried = 0
    for i in stride(from: footerStart, to: bytes.count - 8, by: step) {
      tried += 1
      var damaged = bytes
      damaged[i] ^= 0xff
      let path = dir.appendingPathComponent("flip-\(i).parquet").path
      try Data(damaged).write(to: URL(fileURLWithPath: path))
      if let e = firstError(path) {
        errors += 1
        #expect(e.path == path)
      }
      try? FileManager.default.removeItem(atPath: path)
    }
    // most flips break the Thrift structure or a count; some only change a statistic
    #expect(errors > tried / 4, "\(errors) errors of \(tried)")
  }

  /// Bytes of the column chunks (pages, levels, values) flipped in turn: each file reads or gives
  /// a ParquetError. Every byte of the hand-made file, about 250 spread over the others.
  @Test(arguments: ["legacy-lists", "none", "v2-none-plain", "null-element"]) func flippedDataBytesAreHandled(_ name: String) throws {
    let bytes = try fixture(name)
    let dataEnd = bytes.count - 8 - footerLength(bytes)
    let dir = Fixtures.temporaryDirectory()
    let step = max(1, (dataEnd - 4) / 250)
    for i in stride(from: 4, to: dataEnd, by: step) {
      for mask: UInt8 in [0xff, 0x80] {
        var damaged = bytes
        damaged[i] ^= mask
        let path = dir.appendingPathComponent("flip-\(i).parquet").path
        try Data(damaged).write(to: URL(fileURLWithPath: path))
        if let e = firstError(path) { #expect(e.path == path) }
        try? FileManager.default.removeItem(atPath: path)
      }
    }
  }

  /// The first page header of the first column chunk (at byte 4): a compressed size beyond the
  /// chunk, and an unknown Thrift type.
  @Test func badPageHeaderIsRefused() throws {
    let bytes = try fixture("none")
    // PageHeader: field 1 (i32 type), field 2 (i32 uncompressed size), field 3 (i32 compressed size)
    var at = 4
    func skipVarint() { while bytes[at] & 0x80 != 0 { at += 1 }; at += 1 }
    #expect(bytes[at] == 0x15); at += 1; skipVarint()
    #expect(bytes[at] == 0x15); at += 1; skipVarint()
    #expect(bytes[at] == 0x15); at += 1
    var damaged = bytes
    var i = at
    while damaged[i] & 0x80 != 0 { damaged[i] = 0xfe; i += 1 }
    if i == at { damaged.insert(0, at: 0); Issue.record("one-byte size"); return }
    damaged[i] = 0x7f
    var e = try #require(firstError(try write(damaged)))
    #expect(e.rowGroup == 0 && e.column == "query", "\(e)")
    #expect(e.message.contains("claims") && e.message.contains("bytes"), "\(e)")

    damaged = bytes
    damaged[4] = 0x1f  // field 1 of type 15: no such Thrift type
    e = try #require(firstError(try write(damaged)))
    #expect(e.rowGroup == 0 && e.column == "query" && e.message.contains("page header") && e.message.contains("Thrift type"), "\(e)")
  }

  /// Damaged compressed data: bytes of the first page's zstd or gzip stream changed, and a
  /// snappy stream whose recorded length disagrees with the page header.
  @Test(arguments: ["zstd", "gzip"]) func damagedCompressedPagesAreRefused(_ name: String) throws {
    var damaged = try fixture(name)
    // the first (dictionary) page's header takes about 20 bytes after the magic
    for i in 30..<60 { damaged[i] = 0xa5 }
    let e = try #require(firstError(try write(damaged)))
    #expect(e.rowGroup == 0 && e.column == "query" && e.message.contains("\(name.uppercased()) page is damaged"), "\(e)")
  }

  @Test func snappyLengthDisagreeingWithThePageIsRefused() throws {
    var damaged = try fixture("snappy")
    // PageHeader field 2 (uncompressed size, zigzag) at byte 4 + 2; snappy's stream starts with
    // the same size as a plain varint: change it to size + 1
    var at = 4
    func varint() -> Int {
      var v = 0, shift = 0
      while true {
        let b = damaged[at]; at += 1
        v |= Int(b & 0x7f) << shift; shift += 7
        if b & 0x80 == 0 { return v }
      }
    }
    #expect(damaged[at] == 0x15); at += 1; _ = varint()
    #expect(damaged[at] == 0x15); at += 1
    let size = varint() >> 1
    func encode(_ n: Int) -> [UInt8] {
      var n = n, out = [UInt8]()
      while n >= 0x80 { out.append(UInt8(n & 0x7f) | 0x80); n >>= 7 }
      return out + [UInt8(n)]
    }
    let stream = try #require(FilePatch.find(damaged, encode(size), from: at + 1))
    #expect(encode(size).count == encode(size + 1).count)
    damaged.replaceSubrange(stream..<(stream + encode(size).count), with: encode(size + 1))
    let e = try #require(firstError(try write(damaged)))
    #expect(e.rowGroup == 0 && e.column == "query" && e.message.contains("SNAPPY page holds \(size + 1) bytes, header says \(size)"), "\(e)")
  }

  @Test func invalidUTF8NamesTheRow() throws {
    var bytes = try fixture("v2-none-plain")
    let naive = Array("naïve".utf8)
    let at = try #require(FilePatch.find(bytes, naive))
    bytes[at + 2] = 0xff  // the first byte of ï
    let e = try #require(firstError(try write(bytes)))
    // the first 'naïve' of the file is in column query of row group 0 (plain, uncompressed)
    struct Rows: Decodable { let rows: [String: [String?]] }
    let json = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("parquet/v2-none-plain.json")))
    let query = try #require(try? JSONSerialization.jsonObject(with: json) as? [String: Any])
    let rows = (query["rows"] as? [String: Any])?["query"] as? [Any] ?? []
    let row = rows.firstIndex { ($0 as? String)?.hasPrefix("naïve") == true }
    #expect(e.column == "query" && e.rowGroup == 0 && e.row == row && e.message.contains("not valid UTF-8"), "\(e)")
    #expect(e.description.contains("row \(row ?? -1)"))
  }

  @Test func nullListElementNamesTheRow() throws {
    let file = try ParquetFile(path: Fixtures.path("parquet/null-element.parquet"))
    #expect(throws: ParquetError.self) { try file.stringLists("positives", rowGroup: 0) }
    do {
      _ = try file.stringLists("positives", rowGroup: 0)
    } catch let e as ParquetError {
      #expect(e.row == 1 && e.column == "positives" && e.message.contains("null element"), "\(e)")
    }
  }

  @Test func wrongColumnsAndKindsAreNamed() throws {
    let path = Fixtures.path("parquet/snappy.parquet")
    let file = try ParquetFile(path: path)
    do {
      _ = try file.strings("qeury", rowGroup: 0)
      Issue.record("no error")
    } catch let e as ParquetError {
      #expect(e.column == "qeury" && e.message.contains("no such column") && e.message.contains("'query'"), "\(e)")
    }
    do {
      _ = try file.strings("score", rowGroup: 0)
      Issue.record("no error")
    } catch let e as ParquetError {
      #expect(e.description == "\(path): row group 0, column 'score': is optional DOUBLE, expected a string column", "\(e)")
    }
    #expect(throws: ParquetError.self) { try file.numbers("score", rowGroup: 3) }
  }

  /// Encodings and codecs pyarrow writes only when asked are refused by name.
  @Test func unsupportedEncodingsAndCodecsAreNamed() throws {
    let delta = try ParquetFile(path: Fixtures.path("parquet/delta.parquet"))
    #expect(delta.columns.map(\.kind) == [.string, .number])
    for (column, encoding) in [("query", "DELTA_BYTE_ARRAY"), ("label", "DELTA_BINARY_PACKED")] {
      do {
        _ = try delta.read(rowGroup: 0, column: column)
        Issue.record("no error for \(column)")
      } catch let e as ParquetError {
        #expect(e.column == column && e.message.contains("encoded \(encoding)"), "\(e)")
      }
    }
    let lz4 = try ParquetFile(path: Fixtures.path("parquet/lz4.parquet"))
    do {
      _ = try lz4.strings("query", rowGroup: 0)
      Issue.record("no error")
    } catch let e as ParquetError {
      #expect(e.column == "query" && e.message.contains("compression LZ4") && e.message.contains("not supported"), "\(e)")
    }
  }

  @Test func notAFileIsRefused() throws {
    #expect(throws: ParquetError.self) { try ParquetFile(path: "/nonexistent/x.parquet") }
    #expect(throws: ParquetError.self) { try ParquetFile(path: Fixtures.temporaryDirectory().path) }
  }
}
