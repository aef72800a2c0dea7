import Foundation

/// Reads and writes a model directory (docs/contracts.md, "Model directory"): `config.json` in HF `GPT2Config` form and
/// `model.safetensors` with HF GPT-2 tensor names, loadable by `transformers.GPT2LMHeadModel`, with the
/// `generation_config.json` and tokenizer descriptions (`ModelDirectory+TokenizerConfig.swift`) `transformers` reads beside them.
///
/// Loading is strict: after `CheckpointNames` sanitizes the stored names, every tensor of
/// `ParameterLayout` must appear exactly once with its exact shape, nothing else may appear, and every
/// value must be finite, so a model never trains from a silently partial or corrupt checkpoint. Other
/// files in the directory (`tokenizer.json`, optimizer state) are left alone.
public enum ModelDirectory {
    public static let configFileName = "config.json"
    public static let weightsFileName = "model.safetensors"

    /// `directory/model.safetensors`.
    public static func weightsPath(_ directory: String) -> String {
        (directory as NSString).appendingPathComponent(weightsFileName)
    }

    /// The configuration and parameters (in `ParameterLayout` order) stored in `directory`.
    /// - Throws: `ModelError` naming the file and tensor at fault (`.missingFile`, `.invalidConfig`,
    ///   `.missingTensor`, `.unexpectedTensor`, `.duplicateTensor`, `.shapeMismatch`, `.untiedHead`,
    ///   `.nonFiniteParameter`), or `SafetensorsError` for a malformed weights file.
    public static func load(directory: String) throws -> (config: GPT2Config, parameters: FloatBuffer) {
        let config = try loadConfig(directory: directory)
        let path = weightsPath(directory)
        guard FileManager.default.fileExists(atPath: path) else { throw ModelError.missingFile(path: path) }
        let file = try SafetensorsFile(path: path)
        let layout = ParameterLayout(config: config)
        let specs = Dictionary(uniqueKeysWithValues: layout.tensors.map { ($0.name, $0) })
        let parameters = FloatBuffer(count: layout.count)

        var loaded = Set<String>()
        var head: SafetensorsHeader.Tensor?
        for tensor in file.tensors {
            switch CheckpointNames.role(of: tensor.name) {
            case .buffer:
                continue
            case .languageModelHead:
                head = tensor
            case .parameter(let name):
                guard let spec = specs[name] else { throw ModelError.unexpectedTensor(name: tensor.name, path: path) }
                guard loaded.insert(name).inserted else { throw ModelError.duplicateTensor(name: name, path: path) }
                guard tensor.shape == spec.shape else {
                    throw ModelError.shapeMismatch(name: tensor.name, expected: spec.shape, actual: tensor.shape, path: path)
                }
                let values = UnsafeMutableBufferPointer(rebasing: parameters.buffer[spec.range])
                try file.copyFloats(of: tensor.name, into: values)
                if let index = values.firstIndex(where: { !$0.isFinite }) {
                    throw ModelError.nonFiniteParameter(name: tensor.name, index: index, path: path)
                }
            }
        }
        if let missing = layout.tensors.first(where: { !loaded.contains($0.name) }) {
            throw ModelError.missingTensor(name: missing.name, path: path)
        }
        if let head, let embedding = specs["transformer.wte.weight"] {
            try checkTied(head: head, in: file, embedding: embedding, parameters: parameters)
        }
        return (config, parameters)
    }

    /// The configuration in `directory/config.json`, validated.
    /// - Throws: `ModelError.missingFile`, or `.invalidConfig` naming the file and the key at fault.
    public static func loadConfig(directory: String) throws -> GPT2Config {
        let path = (directory as NSString).appendingPathComponent(configFileName)
        guard FileManager.default.fileExists(atPath: path) else { throw ModelError.missingFile(path: path) }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ModelError.invalidConfig(path: path, reason: "it cannot be read (\(error.localizedDescription))")
        }
        do {
            return try JSONDecoder().decode(GPT2Config.self, from: data)
        } catch ModelError.unsupportedConfig(let reason) {
            throw ModelError.invalidConfig(path: path, reason: reason)
        } catch let error as DecodingError {
            throw ModelError.invalidConfig(path: path, reason: describe(error))
        } catch {
            throw ModelError.invalidConfig(path: path, reason: "it is not valid JSON")
        }
    }

    /// Writes `config.json` (pretty-printed, sorted keys; with `source`, its other fields kept),
    /// `generation_config.json` (`GenerationConfig`, from the configuration's ids) and
    /// `model.safetensors` (F32, canonical `transformer.*` names, no `lm_head.weight` since the head is
    /// tied) into `directory`, creating it if needed and replacing those files if present.
    /// - Throws: `ModelError.unsupportedConfig`, `.parameterCountMismatch`, `.invalidConfig` (a source
    ///   that is not a JSON object), `.cannotWrite`, or `SafetensorsError.writeFailed`.
    public static func save(config: GPT2Config, parameters: FloatBuffer, to directory: String, keeping source: SourceConfig? = nil) throws {
        try config.validate()
        let layout = ParameterLayout(config: config)
        guard parameters.count == layout.count else {
            throw ModelError.parameterCountMismatch(expected: layout.count, actual: parameters.count)
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ModelError.cannotWrite(path: directory, reason: error.localizedDescription)
        }
        var json = try encodedJSON(config, in: directory, as: configFileName)
        if let source { json = try source.merged(with: json) }
        try write(json, in: directory, as: configFileName)
        try write(GenerationConfig(config: config, tokens: nil), in: directory, as: GenerationConfig.fileName)
        try withExtendedLifetime(parameters) {
            let entries = layout.tensors.map { spec in
                SafetensorsWriter.Entry(
                    name: spec.name, shape: spec.shape,
                    data: UnsafeBufferPointer(start: parameters.pointer + spec.offset, count: spec.count))
            }
            try SafetensorsWriter.write(entries, to: weightsPath(directory))
        }
    }

    /// An explicit `lm_head.weight` is accepted only if it is bit-for-bit the embedding matrix, so
    /// dropping it in favour of the tied `wte` changes nothing.
    private static func checkTied(
        head: SafetensorsHeader.Tensor, in file: SafetensorsFile, embedding: TensorSpec, parameters: FloatBuffer
    ) throws {
        guard head.shape == embedding.shape else {
            throw ModelError.shapeMismatch(name: head.name, expected: embedding.shape, actual: head.shape, path: file.path)
        }
        let values = FloatBuffer(count: head.count)
        try file.copyFloats(of: head.name, into: values.buffer)
        for i in 0..<embedding.count where values[i].bitPattern != parameters[embedding.offset + i].bitPattern {
            throw ModelError.untiedHead(path: file.path)
        }
    }

    /// A sentence naming the key at fault, instead of `DecodingError`'s debug dump.
    private static func describe(_ error: DecodingError) -> String {
        func key(_ context: DecodingError.Context) -> String {
            context.codingPath.map(\.stringValue).joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let missing, _):
            return "the required key \"\(missing.stringValue)\" is missing"
        case .typeMismatch(let type, let context):
            return "the value of \"\(key(context))\" is not of type \(type)"
        case .valueNotFound(let type, let context):
            return "the value of \"\(key(context))\" is null, expected \(type)"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "it is not valid JSON" : "the value of \"\(key(context))\" is invalid"
        @unknown default:
            return "it cannot be decoded"
        }
    }
}
