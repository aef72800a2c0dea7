import Foundation

/// A run's `checkpoints/` directory (docs/contracts.md, "Run directory"): `step-NNNNNNN/` checkpoints and a
/// `latest` file naming the current one.
///
/// Each checkpoint is a model directory (docs/contracts.md, "Model directory": `config.json`,
/// `generation_config.json`, `model.safetensors`, and with a source model its tokenizer files,
/// `tokenizer_config.json` and `special_tokens_map.json`) that `transformers` loads, plus
/// `optimizer.safetensors` (`OptimizerStateFile`), `state.json` (`CheckpointManifest`: the step, the
/// caller's state and a SHA-256 of every other file) and `state.json.sha256` (the SHA-256 of
/// `state.json` itself).
///
/// Writing is crash-safe: files go into `.tmp-step-NNNNNNN-PID/`, each is fsynced (while it is hashed),
/// then the directory; it is renamed to `step-NNNNNNN`, the parent is fsynced, and only then does
/// `latest` move (temporary file, fsync, rename, fsync). So `latest` always names a complete checkpoint,
/// and a crash at any point leaves the previous one in place. Afterwards the oldest checkpoints beyond
/// `keep` are deleted, never the one `latest` names.
///
/// One process writes a run's checkpoints at a time; `.tmp-*` entries are that writer's, and each
/// write first removes those a crashed writer left. Reading (`CheckpointStore+Loading.swift`) never
/// changes the directory.
public struct CheckpointStore: Sendable {
    /// The `checkpoints/` directory.
    public let directory: String
    /// `save_total_limit`: how many checkpoints to keep, or nil to keep all.
    public let keep: Int?

    public static let latestFileName = "latest"
    public static let stateFileName = "state.json"
    /// The SHA-256 of `state.json`, in hex: the one file no manifest covers.
    public static let stateDigestFileName = "state.json.sha256"
    static let temporaryPrefix = ".tmp-"
    static let directoryPrefix = "step-"
    /// Directory names have seven digits.
    public static let maximumStep = 9_999_999

    /// - Parameter keep: at least 1, or nil for no limit.
    public init(directory: String, keep: Int?) {
        precondition(keep.map { $0 >= 1 } ?? true, "a checkpoint limit keeps at least one checkpoint")
        self.directory = directory
        self.keep = keep
    }

    /// `step-NNNNNNN` for `step`.
    public static func directoryName(step: Int) -> String {
        let digits = String(step)
        return directoryPrefix + String(repeating: "0", count: max(0, 7 - digits.count)) + digits
    }

    /// The step a checkpoint directory name stands for, or nil if `name` is not exactly `step-` and
    /// seven digits.
    public static func step(directoryName name: String) -> Int? {
        guard name.hasPrefix(directoryPrefix) else { return nil }
        let digits = name.dropFirst(directoryPrefix.count)
        guard digits.count == 7, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(digits)
    }

    public func path(step: Int) -> String {
        (directory as NSString).appendingPathComponent(Self.directoryName(step: step))
    }

    /// Steps of the checkpoint directories present, ascending, whether complete or not.
    public func steps() throws -> [Int] {
        try entries().compactMap(Self.step(directoryName:)).sorted()
    }

    /// Writes the checkpoint of `step` and makes it `latest` (see the type's description), replacing a
    /// checkpoint of the same step if one exists; then prunes to `keep`.
    ///
    /// - Parameters:
    ///   - parameters: the whole flat vector (`ParameterLayout(config:)` order).
    ///   - firstMoment: AdamW's `exp_avg`, same layout.
    ///   - secondMoment: AdamW's `exp_avg_sq`, same layout.
    ///   - publicCopy: under `compression: topk`, the values workers compute on, same layout
    ///     (`PublicCopyFile`); nil otherwise.
    ///   - state: stored under `state` in `state.json`.
    ///   - source: the model training started from, whose other `config.json` fields, tokenizer files
    ///     and special tokens the checkpoint keeps (`ModelSource`).
    /// - Returns: the checkpoint's directory.
    /// - Throws: `CheckpointError`, `ModelError` or `SafetensorsError`; a failed write leaves `latest`
    ///   and every earlier checkpoint as they were.
    @discardableResult
    public func write<State: Codable>(
        step: Int, config: GPT2Config, parameters: FloatBuffer, firstMoment: FloatBuffer, secondMoment: FloatBuffer,
        publicCopy: FloatBuffer? = nil, state: State, source: ModelSource? = nil
    ) throws -> String {
        guard (0...Self.maximumStep).contains(step) else { throw CheckpointError.invalidStep(step) }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw CheckpointError.io(call: "mkdir", path: directory, reason: error.localizedDescription)
        }
        try removeLeftovers()
        let name = Self.directoryName(step: step)
        let temporary = (directory as NSString).appendingPathComponent("\(Self.temporaryPrefix)\(name)-\(getpid())")
        defer { try? FileManager.default.removeItem(atPath: temporary) }

        try ModelDirectory.save(config: config, parameters: parameters, to: temporary, keeping: source?.config)
        for file in source?.tokenizer?.files ?? [] {
            do {
                try FileManager.default.copyItem(atPath: file.path, toPath: (temporary as NSString).appendingPathComponent(file.name))
            } catch {
                throw CheckpointError.io(call: "copy", path: file.path, reason: error.localizedDescription)
            }
        }
        if let files = source?.tokenizer, let tokens = source?.tokens {
            try ModelDirectory.describeTokenizer(tokens, tokenizerClass: files.transformersClass, config: config, in: temporary)
        }
        let layout = ParameterLayout(config: config)
        try OptimizerStateFile.write(layout: layout, firstMoment: firstMoment, secondMoment: secondMoment,
                                     to: (temporary as NSString).appendingPathComponent(OptimizerStateFile.fileName))
        if let publicCopy {
            try PublicCopyFile.write(layout: layout, values: publicCopy, to: (temporary as NSString).appendingPathComponent(PublicCopyFile.fileName))
        }

        // Hash every file and fsync it in the same pass; state.json, written last, records the hashes.
        var digests: [String: String] = [:]
        for file in try contents(of: temporary) {
            digests[file] = try FileDigest.sha256(ofFileAt: (temporary as NSString).appendingPathComponent(file), synchronize: true)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        var json: Data
        do {
            json = try encoder.encode(CheckpointManifest(step: step, sha256: digests, state: state))
        } catch {
            throw CheckpointError.invalidState(path: Self.stateFileName, reason: "the state cannot be encoded: \(error)")
        }
        json.append(UInt8(ascii: "\n"))
        let statePath = (temporary as NSString).appendingPathComponent(Self.stateFileName)
        try DurableFile.write(json, to: statePath)
        let stateDigest = try FileDigest.sha256(ofFileAt: statePath)
        try DurableFile.write(Data((stateDigest + "\n").utf8), to: (temporary as NSString).appendingPathComponent(Self.stateDigestFileName))
        try DurableFile.synchronizeDirectory(temporary)

        let final = path(step: step)
        try install(temporary, at: final)
        try DurableFile.replace(with: Data((name + "\n").utf8), at: (directory as NSString).appendingPathComponent(Self.latestFileName))
        try prune()
        return final
    }

    /// The directory name `latest` holds, if the file exists and holds a well-formed name.
    public func latestName() -> String? {
        let path = (directory as NSString).appendingPathComponent(Self.latestFileName)
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let name = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return Self.step(directoryName: name) != nil ? name : nil
    }

    /// Deletes `.tmp-*` entries a crashed writer left behind.
    public func removeLeftovers() throws {
        for entry in try entries() where entry.hasPrefix(Self.temporaryPrefix) {
            try remove((directory as NSString).appendingPathComponent(entry))
        }
    }

    // MARK: Private

    /// Renames `temporary` to `final`. An existing `final` (the same step written again after a resume)
    /// is first moved aside and deleted after, since `rename` cannot replace a non-empty directory; a
    /// crash in between leaves `final` missing, and loading falls back to the previous checkpoint.
    private func install(_ temporary: String, at final: String) throws {
        var replaced: String?
        if FileManager.default.fileExists(atPath: final) {
            let aside = (directory as NSString).appendingPathComponent(
                "\(Self.temporaryPrefix)replaced-\((final as NSString).lastPathComponent)-\(getpid())")
            try DurableFile.rename(final, to: aside)
            replaced = aside
        }
        try DurableFile.rename(temporary, to: final)
        try DurableFile.synchronizeDirectory(directory)
        if let replaced { try remove(replaced) }
    }

    /// Deletes the oldest checkpoints until `keep` remain, never the one `latest` names.
    private func prune() throws {
        guard let keep else { return }
        let latest = latestName().flatMap(Self.step(directoryName:))
        var steps = try steps()
        while steps.count > keep, let oldest = steps.first(where: { $0 != latest }) {
            try remove(path(step: oldest))
            steps.removeAll { $0 == oldest }
        }
    }

    private func remove(_ path: String) throws {
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw CheckpointError.io(call: "remove", path: path, reason: error.localizedDescription)
        }
    }

    /// Names in `directory`; empty if it does not exist.
    func entries() throws -> [String] {
        guard FileManager.default.fileExists(atPath: directory) else { return [] }
        return try contents(of: directory)
    }

    private func contents(of path: String) throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: path).sorted()
        } catch {
            throw CheckpointError.io(call: "list", path: path, reason: error.localizedDescription)
        }
    }
}
