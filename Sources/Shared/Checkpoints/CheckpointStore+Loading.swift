import Foundation

/// A checkpoint read back and verified: everything a run needs to continue from exactly its step.
public struct LoadedCheckpoint<State> {
    public let directory: String
    public let step: Int
    public let config: GPT2Config
    /// The flat parameter vector, `ParameterLayout(config:)` order.
    public let parameters: FloatBuffer
    /// AdamW's `exp_avg`, same layout.
    public let firstMoment: FloatBuffer
    /// AdamW's `exp_avg_sq`, same layout.
    public let secondMoment: FloatBuffer
    /// The values workers computed on under `compression: topk` (`PublicCopyFile`), same layout; nil when
    /// the checkpoint holds none.
    public let publicCopy: FloatBuffer?
    public let state: State
}

/// Something found wrong with a checkpoint directory (or the `latest` pointer) while looking for the
/// one to resume from; the caller logs these.
public struct CheckpointProblem: Equatable, Sendable, CustomStringConvertible {
    /// The checkpoint directory, or `latest`, at fault.
    public let path: String
    public let reason: String

    public var description: String { "\(path): \(reason)" }
}

/// The outcome of looking for a checkpoint to resume from: the one found, if any, and every problem
/// met on the way — a corrupt `latest` checkpoint shows up here while an older one is returned.
public struct CheckpointRecovery<State> {
    public let checkpoint: LoadedCheckpoint<State>?
    public let problems: [CheckpointProblem]
}

extension CheckpointStore {
    /// The newest usable checkpoint: the one `latest` names if it verifies, else the newest older one
    /// that does.
    ///
    /// Verifying means: `state.json` has the SHA-256 its sidecar `state.json.sha256` records, decodes
    /// (with `State`) and records the directory's step, every file it lists has that SHA-256, the model
    /// and optimizer files are among them and load strictly (the public copy too, when it is listed), and
    /// `validate` accepts the state.
    /// Directories newer than `latest` were never committed (a crash came between their rename and the
    /// pointer's) and are skipped with a problem. Without a `latest` file (a crash before the first
    /// pointer was written, or a deleted pointer), the newest verifying directory is used, also with a
    /// problem saying so: each directory was complete and fsynced before it got its name, and the
    /// hashes show it is intact. `.tmp-*` entries are ignored. Nothing in the directory is changed.
    ///
    /// - Returns: no checkpoint and no problems when there is nothing to resume from; no checkpoint and
    ///   some problems when checkpoints exist but none is usable — the caller must not start over
    ///   silently then.
    /// - Throws: `CheckpointError.io` only if the directory exists but cannot be listed.
    ///
    /// - Parameter validate: the caller's consistency checks of the recorded state (throw a sentence); a
    ///   checkpoint that fails them is reported and the previous one tried, as for a corrupt one.
    public func loadLatest<State: Codable>(
        _ type: State.Type = State.self, validate: (State) throws -> Void = { _ in }
    ) throws -> CheckpointRecovery<State> {
        var problems: [CheckpointProblem] = []
        let latestPath = (directory as NSString).appendingPathComponent(Self.latestFileName)
        let available = try steps().reversed()
        var candidates: [Int]
        if let name = latestName(), let latest = Self.step(directoryName: name) {
            for newer in available where newer > latest {
                problems.append(CheckpointProblem(path: path(step: newer), reason: "is newer than the latest pointer (\(name)), so it was never committed; ignored"))
            }
            candidates = [latest] + available.filter { $0 < latest }
        } else {
            if FileManager.default.fileExists(atPath: latestPath) {
                problems.append(CheckpointProblem(path: latestPath, reason: "does not hold a checkpoint directory name (step-NNNNNNN); using the newest valid checkpoint"))
            } else if !available.isEmpty {
                problems.append(CheckpointProblem(path: latestPath, reason: "is missing; using the newest valid checkpoint"))
            }
            candidates = Array(available)
        }
        for step in candidates {
            do {
                let checkpoint = try load(step: step, as: type)
                do {
                    try validate(checkpoint.state)
                } catch {
                    throw CheckpointError.invalidState(path: (checkpoint.directory as NSString).appendingPathComponent(Self.stateFileName),
                                                       reason: "it is inconsistent: \(error)")
                }
                return CheckpointRecovery(checkpoint: checkpoint, problems: problems)
            } catch {
                problems.append(CheckpointProblem(path: path(step: step), reason: "\(error); trying the previous checkpoint"))
            }
        }
        return CheckpointRecovery(checkpoint: nil, problems: problems)
    }

    /// The checkpoint of `step`, verified as `loadLatest` describes.
    /// - Throws: `CheckpointError` saying what is wrong.
    public func load<State: Codable>(step: Int, as type: State.Type = State.self) throws -> LoadedCheckpoint<State> {
        let root = path(step: step)
        func file(_ name: String) -> String { (root as NSString).appendingPathComponent(name) }
        guard FileManager.default.fileExists(atPath: root) else { throw CheckpointError.missingFile(path: root) }

        let statePath = file(Self.stateFileName)
        guard FileManager.default.fileExists(atPath: statePath) else { throw CheckpointError.missingFile(path: statePath) }
        // The sidecar covers state.json itself (which holds every other file's digest): an edit that keeps
        // it valid JSON is caught here.
        let digestPath = file(Self.stateDigestFileName)
        guard let recorded = FileManager.default.contents(atPath: digestPath) else { throw CheckpointError.missingFile(path: digestPath) }
        let expected = String(decoding: recorded, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let actual = try FileDigest.sha256(ofFileAt: statePath)
        guard actual == expected else { throw CheckpointError.digestMismatch(path: statePath, expected: expected, actual: actual) }
        let manifest: CheckpointManifest<State>
        do {
            manifest = try JSONDecoder().decode(CheckpointManifest<State>.self, from: Data(contentsOf: URL(fileURLWithPath: statePath)))
        } catch {
            throw CheckpointError.invalidState(path: statePath, reason: "it does not decode (\(Self.describe(error)))")
        }
        guard manifest.format == CheckpointManifest<State>.currentFormat else {
            throw CheckpointError.invalidState(path: statePath, reason: "its format is \"\(manifest.format)\", expected \"\(CheckpointManifest<State>.currentFormat)\"")
        }
        guard manifest.step == step else {
            throw CheckpointError.stepMismatch(path: statePath, directoryStep: step, recordedStep: manifest.step)
        }
        for required in [ModelDirectory.configFileName, ModelDirectory.weightsFileName, OptimizerStateFile.fileName]
        where manifest.sha256[required] == nil {
            throw CheckpointError.invalidState(path: statePath, reason: "it records no SHA-256 for \(required)")
        }
        for (name, expected) in manifest.sha256.sorted(by: { $0.key < $1.key }) {
            // Names come from the file: only plain names inside this directory are followed.
            guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
                throw CheckpointError.invalidState(path: statePath, reason: "it lists \"\(name)\", which is not a file name")
            }
            let path = file(name)
            guard FileManager.default.fileExists(atPath: path) else { throw CheckpointError.missingFile(path: path) }
            let actual = try FileDigest.sha256(ofFileAt: path)
            guard actual == expected.lowercased() else {
                throw CheckpointError.digestMismatch(path: path, expected: expected, actual: actual)
            }
        }

        let model: (config: GPT2Config, parameters: FloatBuffer)
        do {
            model = try ModelDirectory.load(directory: root)
        } catch {
            throw CheckpointError.invalidModel(path: root, reason: "\(error)")
        }
        let layout = ParameterLayout(config: model.config)
        let moments = try OptimizerStateFile.read(layout: layout, from: file(OptimizerStateFile.fileName))
        let publicCopy = try manifest.sha256[PublicCopyFile.fileName].map { _ in
            try PublicCopyFile.read(layout: layout, from: file(PublicCopyFile.fileName))
        }
        return LoadedCheckpoint(
            directory: root, step: step, config: model.config, parameters: model.parameters,
            firstMoment: moments.firstMoment, secondMoment: moments.secondMoment, publicCopy: publicCopy, state: manifest.state)
    }

    /// A short sentence for a decoding failure, naming the key where there is one.
    private static func describe(_ error: Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .keyNotFound(let key, _):
            return "the key \"\(key.stringValue)\" is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? "it is not valid JSON" : "the value of \"\(path)\" is invalid"
        @unknown default:
            return "\(error)"
        }
    }
}
