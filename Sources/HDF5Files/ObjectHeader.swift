/// An object's header (format version 1, what libhdf5 writes by default and h5py too): its
/// messages, gathered from the first chunk and every continuation chunk.
///
/// Each chunk is read only when it lies in the file; a continuation chain may not revisit a
/// chunk nor add up to more bytes than the file has, so damage cannot loop or over-allocate.
struct ObjectHeader {
  struct Message {
    var type: Int
    var flags: UInt8
    var data: ArraySlice<UInt8>
    /// Bit 1: the message is shared (stored elsewhere), which the reader does not follow.
    var isShared: Bool { flags & 0x02 != 0 }
  }

  enum MessageType {
    static let null = 0x00, dataspace = 0x01, linkInfo = 0x02, datatype = 0x03, oldFillValue = 0x04, fillValue = 0x05
    static let link = 0x06, externalFiles = 0x07, layout = 0x08, groupInfo = 0x0A, filters = 0x0B, attribute = 0x0C
    static let comment = 0x0D, oldModificationTime = 0x0E, continuation = 0x10, symbolTable = 0x11
    static let modificationTime = 0x12, attributeInfo = 0x15, referenceCount = 0x16
  }

  let address: Int
  var messages: [Message]

  func all(_ type: Int) -> [Message] { messages.filter { $0.type == type } }
  func first(_ type: Int) -> Message? { messages.first { $0.type == type } }

  /// Reads the header at byte position `at`.
  static func read(at: Int, in file: FileBytes) throws -> ObjectHeader {
    var prefix = ByteCursor(try file.read(at, 16, "the object header"), "the object header at byte \(at)")
    let version = try prefix.u8()
    guard version == 1 else {
      if version == UInt8(ascii: "O") {
        throw FormatProblem.unsupported("the object header at byte \(at) has version 2 (written with libver='latest'); version 1")
      }
      throw FormatProblem.damaged("the object header at byte \(at) has version \(version), expected 1")
    }
    try prefix.skip(1)
    _ = try prefix.uint(2)  // number of messages: libhdf5 may count merged null messages differently
    _ = try prefix.uint(4)  // reference count
    let firstSize = Int(try prefix.uint(4))
    var messages: [Message] = []
    var chunks = [(at: at + 16, size: firstSize)]
    var visited: Set<Int> = []
    var total = 0
    while let chunk = chunks.popLast() {
      guard visited.insert(chunk.at).inserted else {
        throw FormatProblem.damaged("the object header at byte \(at) continues into its chunk at byte \(chunk.at) twice")
      }
      total += chunk.size
      guard total <= file.size else {
        throw FormatProblem.damaged("the object header at byte \(at) has chunks of more bytes than the file")
      }
      let bytes = try file.read(chunk.at, chunk.size, "the object header chunk of the object at byte \(at)")
      var c = ByteCursor(bytes, "a message of the object header at byte \(at)")
      while c.remaining >= 8 {
        let type = Int(try c.uint(2))
        let size = Int(try c.uint(2))
        let flags = try c.u8()
        try c.skip(3)
        guard size <= c.remaining else {
          throw FormatProblem.damaged("message type \(type) of \(size) bytes overruns the object header at byte \(at)")
        }
        let data = try c.take(size)
        if type == MessageType.continuation {
          var m = ByteCursor(data, "the continuation message of the object header at byte \(at)")
          let next = try file.position(try m.uint(file.offsetSize), "the continuation of the object header at byte \(at)")
          let length = try m.uint(file.lengthSize)
          guard length <= UInt64(file.size) else {
            throw FormatProblem.damaged("the object header at byte \(at) continues with \(length) bytes, more than the file")
          }
          chunks.insert((next, Int(length)), at: 0)
        } else {
          messages.append(Message(type: type, flags: flags, data: data))
        }
      }
    }
    return ObjectHeader(address: at, messages: messages)
  }
}
