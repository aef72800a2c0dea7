import Foundation

/// The `config.json` of the model a directory is written from, kept so that the fields this project
/// does not model (dropout rates, `summary_*`, `task_specific_params`, `_name_or_path`, …) reach the
/// written `config.json` unchanged, as `transformers`' `save_pretrained` would keep them.
///
/// The fields `GPT2Config` models, `architectures`, `n_ctx` and the dtype are written from the
/// configuration: the weights we write are F32 whatever the source's were.
public struct SourceConfig: Sendable, Equatable {
    /// The source's object, as JSON text; checked to be an object on reading.
    let json: Data
    let path: String

    /// Keys whose value is always ours: what `GPT2Config` models and what describes our weights.
    static let ownKeys = Set(GPT2Config.CodingKeys.allCases.map(\.stringValue) + ["architectures", "n_ctx", "torch_dtype"])
    /// `transformers`' newer name for `torch_dtype`; set to ours only where the source has it.
    static let dtypeKey = "dtype"

    /// Reads `directory/config.json`.
    /// - Throws: `ModelError.missingFile`, or `.invalidConfig` when it cannot be read or is not a JSON object.
    public init(directory: String) throws {
        path = (directory as NSString).appendingPathComponent(ModelDirectory.configFileName)
        guard FileManager.default.fileExists(atPath: path) else { throw ModelError.missingFile(path: path) }
        do {
            json = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ModelError.invalidConfig(path: path, reason: "it cannot be read (\(error.localizedDescription))")
        }
        _ = try object(json, path: path)
    }

    /// `ours` (an encoded `GPT2Config`) with the source's other fields added.
    /// - Throws: `ModelError.invalidConfig` if either is not a JSON object.
    func merged(with ours: Data) throws -> Data {
        var merged = try object(json, path: path)
        for (key, value) in try object(ours, path: ModelDirectory.configFileName)
        where Self.ownKeys.contains(key) || merged[key] == nil {
            merged[key] = value
        }
        if merged[Self.dtypeKey] != nil { merged[Self.dtypeKey] = "float32" }
        return try JSONSerialization.data(withJSONObject: merged, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    private func object(_ data: Data, path: String) throws -> [String: Any] {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ModelError.invalidConfig(path: path, reason: "it is not a JSON object")
        }
        return object
    }
}
