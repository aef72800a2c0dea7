import Foundation
import Shared

/// `runs/NAME/` (design.md "Run directory"): the resolved recipe, the metrics, the reference cache and
/// the checkpoints of one run. Created on first use; a later run of the same name resumes in it.
struct RunDirectory {
    let path: String

    init(path: String) throws {
        self.path = path
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw RunError.cannotWrite(path: path, reason: error.localizedDescription)
        }
    }

    var metricsPath: String { (path as NSString).appendingPathComponent("metrics.jsonl") }
    var recipePath: String { (path as NSString).appendingPathComponent("recipe.yaml") }
    var checkpointsPath: String { (path as NSString).appendingPathComponent("checkpoints") }

    /// Writes the resolved recipe (every key, defaults included) atomically.
    func writeRecipe(_ yaml: String) throws {
        try DurableFile.replace(with: Data(yaml.utf8), at: recipePath)
    }
}
