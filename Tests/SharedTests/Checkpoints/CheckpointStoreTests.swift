import Foundation
import Testing
@testable import Shared

private let config = GPT2Config(layers: 2, heads: 2, embedding: 8, positions: 6, vocabulary: 11, eosTokenID: 3)

/// A stand-in for the coordinator's training state: whatever `Codable` value the caller keeps.
private struct RunState: Codable, Equatable {
    var step: Int
    var position: Int
    var completedBatches: [Int]
    var random: RandomGenerator
}

/// Parameters and moments distinct per `seed`; the second moment is non-negative, as AdamW's is.
private struct Snapshot {
    let parameters: FloatBuffer
    let firstMoment: FloatBuffer
    let secondMoment: FloatBuffer
    let state: RunState

    init(seed: UInt64) {
        parameters = ModelInitializer.parameters(for: config, seed: seed)
        let count = parameters.count
        var random = RandomGenerator(seed: seed &+ 100)
        firstMoment = FloatBuffer((0..<count).map { _ in Float(random.nextNormal()) * 1e-3 })
        secondMoment = FloatBuffer((0..<count).map { _ in random.nextFloat() * 1e-6 })
        parameters[1] = -0.0
        for _ in 0..<Int(seed) { _ = random.next() }
        state = RunState(step: Int(seed), position: 4 * Int(seed), completedBatches: Array(0..<Int(seed)), random: random)
    }

    @discardableResult
    func write(to store: CheckpointStore, step: Int, source: ModelSource? = nil) throws -> String {
        try store.write(step: step, config: config, parameters: parameters, firstMoment: firstMoment,
                        secondMoment: secondMoment, state: state, source: source)
    }

    func expectEqual(_ loaded: LoadedCheckpoint<RunState>, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(loaded.config == config, sourceLocation: sourceLocation)
        #expect(loaded.parameters.array.map(\.bitPattern) == parameters.array.map(\.bitPattern), sourceLocation: sourceLocation)
        #expect(loaded.firstMoment.array.map(\.bitPattern) == firstMoment.array.map(\.bitPattern), sourceLocation: sourceLocation)
        #expect(loaded.secondMoment.array.map(\.bitPattern) == secondMoment.array.map(\.bitPattern), sourceLocation: sourceLocation)
        #expect(loaded.state == state, sourceLocation: sourceLocation)
    }
}

private func withStore(keep: Int? = nil, _ body: (CheckpointStore, String) throws -> Void) throws {
    try withTemporaryDirectory { run in
        try body(CheckpointStore(directory: run + "/checkpoints", keep: keep), run)
    }
}

@Test func writtenCheckpointLoadsBitIdenticallyWithItsState() throws {
    try withStore { store, run in
        try #"{"model":{}}"#.write(toFile: run + "/tokenizer.json", atomically: true, encoding: .utf8)
        let snapshot = Snapshot(seed: 7)
        let source = ModelSource(config: nil, tokenizer: TokenizerFiles(at: run + "/tokenizer.json"), tokens: nil)
        let path = try snapshot.write(to: store, step: 120, source: source)
        #expect(path == run + "/checkpoints/step-0000120")
        #expect(try String(contentsOfFile: run + "/checkpoints/latest", encoding: .utf8) == "step-0000120\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: path).sorted() ==
                ["config.json", "generation_config.json", "model.safetensors", "optimizer.safetensors", "state.json", "state.json.sha256",
                 "tokenizer.json"])

        let recovery = try store.loadLatest(RunState.self)
        #expect(recovery.problems.isEmpty)
        let loaded = try #require(recovery.checkpoint)
        #expect(loaded.step == 120 && loaded.directory == path)
        snapshot.expectEqual(loaded)

        // state.json records a SHA-256 for every other file, and the caller's state under "state".
        let manifest = try JSONDecoder().decode(CheckpointManifest<RunState>.self, from: Data(contentsOf: URL(fileURLWithPath: path + "/state.json")))
        #expect(manifest.step == 120)
        #expect(manifest.sha256.keys.sorted() == ["config.json", "generation_config.json", "model.safetensors", "optimizer.safetensors", "tokenizer.json"])
        #expect(manifest.sha256["tokenizer.json"] == FileDigest.sha256(of: Data(#"{"model":{}}"#.utf8)))
        // state.json.sha256 covers state.json itself.
        #expect(try String(contentsOfFile: path + "/state.json.sha256", encoding: .utf8) == FileDigest.sha256(ofFileAt: path + "/state.json") + "\n")

        // Optimizer tensors carry PyTorch's state names and the parameters' shapes.
        let optimizer = try SafetensorsFile(path: path + "/optimizer.safetensors")
        #expect(optimizer.tensors.count == 2 * ParameterLayout(config: config).tensors.count)
        #expect(optimizer.tensor(named: "exp_avg.transformer.wte.weight")?.shape == [11, 8])
        #expect(optimizer.tensor(named: "exp_avg_sq.transformer.h.1.mlp.c_proj.bias")?.shape == [8])
    }
}

/// Under `topk` the public copy is saved beside the parameters, under their names, and loads to the bit; a
/// checkpoint without one loads with none, and one whose copy holds a value that is not finite is refused.
@Test func aPublicCopyIsSavedAndLoadedBitIdentically() throws {
    try withStore { store, _ in
        let snapshot = Snapshot(seed: 3)
        try snapshot.write(to: store, step: 1)
        #expect(try store.load(step: 1, as: RunState.self).publicCopy == nil)
        let copy = FloatBuffer(Snapshot(seed: 4).parameters.array)
        let path = try store.write(step: 2, config: config, parameters: snapshot.parameters, firstMoment: snapshot.firstMoment,
                                   secondMoment: snapshot.secondMoment, publicCopy: copy, state: snapshot.state)
        let loaded = try store.load(step: 2, as: RunState.self)
        snapshot.expectEqual(loaded)
        #expect(loaded.publicCopy?.array.map(\.bitPattern) == copy.array.map(\.bitPattern))
        let file = try SafetensorsFile(path: path + "/" + PublicCopyFile.fileName)
        #expect(file.tensors.map(\.name) == ParameterLayout(config: config).tensors.map(\.name))

        copy[5] = .nan
        try store.write(step: 3, config: config, parameters: snapshot.parameters, firstMoment: snapshot.firstMoment,
                        secondMoment: snapshot.secondMoment, publicCopy: copy, state: snapshot.state)
        let recovery = try store.loadLatest(RunState.self)
        #expect(recovery.checkpoint?.step == 2)
        #expect(recovery.problems.first?.reason.contains("invalid public copy: tensor transformer.wte.weight holds nan at element 5") == true,
                "\(recovery.problems)")
    }
}

/// SHA-256 of a known string, so the digest is the standard one and not merely self-consistent.
@Test func digestIsStandardSHA256() throws {
    #expect(FileDigest.sha256(of: Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    try withTemporaryDirectory { directory in
        // Larger than one read chunk, so the streamed digest spans several reads.
        let data = Data((0..<(FileDigest.chunkSize + 12345)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try data.write(to: URL(fileURLWithPath: directory + "/blob"))
        #expect(try FileDigest.sha256(ofFileAt: directory + "/blob") == FileDigest.sha256(of: data))
    }
}

@Test func corruptModelInLatestFallsBackToThePreviousCheckpoint() throws {
    try withStore { store, _ in
        let first = Snapshot(seed: 1), second = Snapshot(seed: 2)
        try first.write(to: store, step: 10)
        let latest = try second.write(to: store, step: 20)
        // Flip one bit of the last parameter byte: the file still parses, only its hash betrays it.
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: latest + "/model.safetensors"))
        let end = try handle.seekToEnd()
        try handle.seek(toOffset: end - 1)
        let byte = try #require(try handle.read(upToCount: 1)).first!
        try handle.seek(toOffset: end - 1)
        try handle.write(contentsOf: Data([byte ^ 0x01]))
        try handle.close()

        let recovery = try store.loadLatest(RunState.self)
        first.expectEqual(try #require(recovery.checkpoint))
        #expect(recovery.checkpoint?.step == 10)
        #expect(recovery.problems.count == 1)
        let problem = try #require(recovery.problems.first)
        print("reported: \(problem)")
        #expect(problem.path == latest)
        #expect(problem.reason.contains("model.safetensors is corrupt"))
    }
}

@Test func truncatedStateFallsBackToThePreviousCheckpoint() throws {
    try withStore { store, _ in
        let first = Snapshot(seed: 1)
        try first.write(to: store, step: 10)
        let latest = try Snapshot(seed: 2).write(to: store, step: 20)
        let statePath = latest + "/state.json"
        let text = try Data(contentsOf: URL(fileURLWithPath: statePath))
        try text.prefix(text.count / 2).write(to: URL(fileURLWithPath: statePath))
        // With its digest brought along, so that decoding is what fails.
        try (FileDigest.sha256(ofFileAt: statePath) + "\n").write(toFile: statePath + ".sha256", atomically: true, encoding: .utf8)

        let recovery = try store.loadLatest(RunState.self)
        first.expectEqual(try #require(recovery.checkpoint))
        print("reported: \(recovery.problems)")
        #expect(recovery.problems.map(\.path) == [latest])
        #expect(recovery.problems.first?.reason.contains("state.json cannot be used: it does not decode") == true)
    }
}

/// An edit that keeps `state.json` valid JSON (here the position) is caught by its digest; so is a
/// missing digest.
@Test func editedOrUncoveredStateFallsBackToThePreviousCheckpoint() throws {
    try withStore { store, _ in
        let first = Snapshot(seed: 1)
        try first.write(to: store, step: 10)
        let latest = try Snapshot(seed: 2).write(to: store, step: 20)
        let statePath = latest + "/state.json"
        let text = try String(contentsOfFile: statePath, encoding: .utf8)
        #expect(text.contains("\"position\" : 8"))
        try text.replacingOccurrences(of: "\"position\" : 8", with: "\"position\" : 9").write(toFile: statePath, atomically: true, encoding: .utf8)
        let edited = try store.loadLatest(RunState.self)
        first.expectEqual(try #require(edited.checkpoint))
        #expect(edited.problems.map(\.path) == [latest])
        #expect(edited.problems.first?.reason.contains("state.json") == true && edited.problems.first?.reason.contains("SHA-256") == true,
                "\(edited.problems)")

        try FileManager.default.removeItem(atPath: statePath + ".sha256")
        let uncovered = try store.loadLatest(RunState.self)
        #expect(uncovered.checkpoint?.step == 10)
        #expect(uncovered.problems.first?.reason.contains("state.json.sha256 is missing") == true, "\(uncovered.problems)")
    }
}

/// A state the caller finds inconsistent is reported and the previous checkpoint used.
@Test func stateRefusedByTheCallersChecksFallsBack() throws {
    try withStore { store, _ in
        try Snapshot(seed: 1).write(to: store, step: 10)
        let latest = try Snapshot(seed: 2).write(to: store, step: 20)
        struct Contradiction: Error, CustomStringConvertible { var description: String { "step 2 contradicts itself" } }
        let recovery = try store.loadLatest(RunState.self) { state in if state.step == 2 { throw Contradiction() } }
        #expect(recovery.checkpoint?.step == 10)
        #expect(recovery.problems.map(\.path) == [latest])
        #expect(recovery.problems.first?.reason.contains("it is inconsistent: step 2 contradicts itself") == true, "\(recovery.problems)")
    }
}

@Test func missingFileListedInStateFallsBack() throws {
    try withStore { store, _ in
        try Snapshot(seed: 1).write(to: store, step: 10)
        let latest = try Snapshot(seed: 2).write(to: store, step: 20)
        try FileManager.default.removeItem(atPath: latest + "/optimizer.safetensors")
        let recovery = try store.loadLatest(RunState.self)
        #expect(recovery.checkpoint?.step == 10)
        #expect(recovery.problems.first?.reason.contains("optimizer.safetensors is missing") == true)
    }
}

/// Without a `latest` file, the newest directory that verifies is used, and the missing pointer is
/// reported (each directory was complete before it got its name, and its hashes prove it intact).
@Test func missingLatestPointerUsesTheNewestValidCheckpoint() throws {
    try withStore { store, run in
        try Snapshot(seed: 1).write(to: store, step: 10)
        let second = Snapshot(seed: 2)
        try second.write(to: store, step: 20)
        try FileManager.default.removeItem(atPath: run + "/checkpoints/latest")
        let recovery = try store.loadLatest(RunState.self)
        second.expectEqual(try #require(recovery.checkpoint))
        #expect(recovery.problems.map(\.path) == [run + "/checkpoints/latest"])
    }
}

/// A directory newer than `latest` (a crash between its rename and the pointer's move) is not used.
@Test func checkpointNewerThanLatestIsIgnored() throws {
    try withStore { store, run in
        let first = Snapshot(seed: 1)
        try first.write(to: store, step: 10)
        try Snapshot(seed: 2).write(to: store, step: 20)
        try "step-0000010\n".write(toFile: run + "/checkpoints/latest", atomically: true, encoding: .utf8)
        let recovery = try store.loadLatest(RunState.self)
        first.expectEqual(try #require(recovery.checkpoint))
        #expect(recovery.problems.map(\.path) == [run + "/checkpoints/step-0000020"])
    }
}

@Test func saveTotalLimitKeepsTheNewest() throws {
    try withStore(keep: 2) { store, run in
        for step in [5, 10, 15] { try Snapshot(seed: UInt64(step)).write(to: store, step: step) }
        #expect(try store.steps() == [10, 15])
        #expect(store.latestName() == "step-0000015")
        #expect(!FileManager.default.fileExists(atPath: run + "/checkpoints/step-0000005"))
    }
}

/// The checkpoint `latest` names survives pruning even when stale newer directories outnumber it.
@Test func pruningNeverDeletesLatest() throws {
    try withStore(keep: 1) { store, _ in
        try Snapshot(seed: 1).write(to: store, step: 30)
        // A resume from an older checkpoint writes step 20 while step 30 is still on disk.
        try Snapshot(seed: 2).write(to: store, step: 20)
        #expect(store.latestName() == "step-0000020")
        #expect(try store.steps() == [20])
    }
}

@Test func rewritingAStepReplacesIt() throws {
    try withStore { store, _ in
        try Snapshot(seed: 1).write(to: store, step: 10)
        let again = Snapshot(seed: 3)
        try again.write(to: store, step: 10)
        let recovery = try store.loadLatest(RunState.self)
        again.expectEqual(try #require(recovery.checkpoint))
        #expect(recovery.problems.isEmpty)
        #expect(try store.entries() == ["latest", "step-0000010"])
    }
}

/// A crashed writer's `.tmp-*` directory is never loaded, and the next write removes it.
@Test func temporaryLeftoverIsIgnoredThenCleaned() throws {
    try withStore { store, run in
        let first = Snapshot(seed: 1)
        try first.write(to: store, step: 10)
        let leftover = run + "/checkpoints/.tmp-step-0000020-999"
        try FileManager.default.createDirectory(atPath: leftover, withIntermediateDirectories: false)
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: leftover + "/model.safetensors"))

        let recovery = try store.loadLatest(RunState.self)
        first.expectEqual(try #require(recovery.checkpoint))
        #expect(recovery.problems.isEmpty)

        try Snapshot(seed: 2).write(to: store, step: 20)
        #expect(try store.entries() == ["latest", "step-0000010", "step-0000020"])
    }
}

@Test func emptyRunHasNothingToResume() throws {
    try withStore { store, _ in
        let recovery = try store.loadLatest(RunState.self)
        #expect(recovery.checkpoint == nil && recovery.problems.isEmpty)
    }
}

/// When every checkpoint is damaged nothing is returned, and every problem is reported.
@Test func noValidCheckpointReportsEveryProblem() throws {
    try withStore { store, _ in
        let a = try Snapshot(seed: 1).write(to: store, step: 10)
        let b = try Snapshot(seed: 2).write(to: store, step: 20)
        for path in [a, b] { try FileManager.default.removeItem(atPath: path + "/state.json") }
        let recovery = try store.loadLatest(RunState.self)
        #expect(recovery.checkpoint == nil)
        #expect(recovery.problems.map(\.path) == [b, a])
    }
}

@Test func directoryNamesHaveSevenDigits() {
    #expect(CheckpointStore.directoryName(step: 42) == "step-0000042")
    #expect(CheckpointStore.step(directoryName: "step-0000042") == 42)
    #expect(CheckpointStore.step(directoryName: "step-42") == nil)
    #expect(CheckpointStore.step(directoryName: "step-00000-1") == nil)
    #expect(CheckpointStore.step(directoryName: ".tmp-step-0000042-1") == nil)
}
