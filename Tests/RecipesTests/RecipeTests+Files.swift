import Foundation
import Recipes
import TestSupport
import Testing

/// Recipe files that cannot be read name the file and the reason; a UTF-8 byte order mark is
/// skipped; a key given twice names the line of its second occurrence.
extension RecipeTests {
  func loadError(_ path: String) -> String {
    do { _ = try Recipe.load(path: path) } catch { return "\(error)" }
    return "loaded"
  }

  @Test func unreadableRecipesNameTheFileAndTheReason() throws {
    let dir = Fixtures.temporaryDirectory()
    let missing = dir.appendingPathComponent("missing.recipe").path
    #expect(loadError(missing) == "\(missing): cannot read the recipe: no such file")
    #expect(loadError(dir.path) == "\(dir.path): cannot read the recipe: it is a directory")
    let binary = dir.appendingPathComponent("binary.recipe").path
    try Data("model:\n  base: x\n".utf8 + [0x66, 0xFF, 0x0A]).write(to: URL(fileURLWithPath: binary))
    #expect(loadError(binary) == "\(binary): cannot read the recipe: line 3 is not valid UTF-8")
  }

  @Test func aByteOrderMarkIsSkipped() throws {
    let path = try write(valid)
    try (Data([0xEF, 0xBB, 0xBF]) + Data(contentsOf: URL(fileURLWithPath: path))).write(to: URL(fileURLWithPath: path))
    #expect(try Recipe.load(path: path).model.maxLength == 64)
  }

  @Test func aKeyGivenTwiceNamesItsSecondLine() throws {
    try expectError(valid.replacingOccurrences(of: "  max_length: 64\n", with: "  max_length: 64\n  max_length: 32\n"),
                    "r.recipe:4: key 'max_length' given twice (first at line 3)")
    try expectError(valid.replacingOccurrences(of: "    batch_size: 16\n", with: "    batch_size: 16\n    loss: {kind: cosent}\n"),
                    "r.recipe:32: key 'loss' given twice (first at line 29)")
    try expectError(valid.replacingOccurrences(of: "seed: 3\n", with: "seed: 3\nseed: 4\n"), "r.recipe:6: key 'seed' given twice (first at line 5)")
  }
}
