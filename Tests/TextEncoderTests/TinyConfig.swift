import Foundation
import TestSupport

/// The tiny XLM-R fixture's config.json, changed by `edit`, written to a fresh temporary
/// directory; returns its path.
func writeConfig(_ edit: (inout [String: Any]) -> Void) throws -> String {
  let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("tiny-xlmr/config.json")))
  var obj = try JSONSerialization.jsonObject(with: data) as! [String: Any]
  edit(&obj)
  let path = Fixtures.temporaryDirectory().appendingPathComponent("config.json").path
  try JSONSerialization.data(withJSONObject: obj).write(to: URL(fileURLWithPath: path))
  return path
}
