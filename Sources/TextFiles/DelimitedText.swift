/// Records of CSV (RFC 4180) or TSV text: fields separated by a delimiter, records by LF or
/// CRLF; a field that starts with `"` is quoted (it may hold the delimiter, line breaks and `""`
/// for a quote) and must end with a quote followed by the delimiter or the end of the record; a
/// quote inside an unquoted field is an ordinary character (as Python's csv reads it). Fields
/// stay bytes until their column is known, so a field that is not UTF-8 is reported with it.
public enum DelimitedText {
  /// One record: the line it starts on (from 1) and its fields' bytes.
  public struct Record: Sendable {
    public var line: Int
    public var fields: [ArraySlice<UInt8>]
  }

  /// A record whose quoting is broken: the line and what was wrong.
  public struct Failure: Error, Sendable {
    public var line: Int
    public var reason: String
  }

  /// The records of `bytes` (a leading byte order mark dropped). Empty lines are skipped. A
  /// malformed record (text after a closing quote) comes back as a failure and reading goes
  /// on at the next line; an unterminated quoted field ends the input with a failure.
  public static func records(_ input: [UInt8], delimiter: UInt8) -> [Result<Record, Failure>] {
    let quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
    var bytes = input[...]
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
    var out: [Result<Record, Failure>] = []
    var i = bytes.startIndex, line = 1
    let end = bytes.endIndex
    while i < end {
      let startLine = line
      var fields: [ArraySlice<UInt8>] = []
      var failure: String?
      // one record
      while true {
        if i < end, bytes[i] == quote {
          var field: [UInt8] = []
          i += 1
          var closed = false
          while i < end {
            let c = bytes[i]
            if c == quote {
              if i + 1 < end, bytes[i + 1] == quote {
                field.append(quote)
                i += 2
                continue
              }
              i += 1
              closed = true
              break
            }
            if c == lf { line += 1 }
            field.append(c)
            i += 1
          }
          guard closed else {
            out.append(.failure(Failure(line: startLine, reason: "a quoted field is not closed before the end of the file")))
            return out
          }
          fields.append(field[...])
          if i < end, bytes[i] != delimiter, bytes[i] != lf, !(bytes[i] == cr && (i + 1 == end || bytes[i + 1] == lf)) {
            failure = "text after the closing quote of field \(fields.count)"
          }
        } else {
          let s = i
          while i < end, bytes[i] != delimiter, bytes[i] != lf { i += 1 }
          var e = i
          if (i == end || bytes[i] == lf), e > s, bytes[e - 1] == cr { e -= 1 }
          fields.append(bytes[s..<e])
        }
        if failure != nil {
          while i < end, bytes[i] != lf { i += 1 }
        }
        if i < end, bytes[i] == delimiter, failure == nil {
          i += 1
          continue
        }
        if i < end, bytes[i] == cr { i += 1 }
        if i < end, bytes[i] == lf {
          i += 1
          line += 1
        }
        break
      }
      if let failure {
        out.append(.failure(Failure(line: startLine, reason: failure)))
      } else if !(fields.count == 1 && fields[0].isEmpty) {
        out.append(.success(Record(line: startLine, fields: fields)))
      }
    }
    return out
  }
}
