import Foundation
import Testing
@testable import Shared

/// `model:` may name a model directory, a run, its checkpoints directory or its `latest` pointer; each
/// of the last three is the run's newest checkpoint that verifies.
struct ModelReferenceTests {
    private struct State: Codable { var step: Int }
    private let config = GPT2Config(layers: 1, heads: 1, embedding: 4, positions: 4, vocabulary: 6, eosTokenID: 5)

    private func checkpoint(_ store: CheckpointStore, step: Int) throws {
        let parameters = ModelInitializer.parameters(for: config, seed: UInt64(step))
        let zeros = FloatBuffer(count: parameters.count)
        try store.write(step: step, config: config, parameters: parameters, firstMoment: zeros, secondMoment: zeros, state: State(step: step))
    }

    @Test func aRunResolvesToItsNewestVerifiedCheckpoint() throws {
        try withTemporaryDirectory { run in
            let store = CheckpointStore(directory: run + "/checkpoints", keep: nil)
            try checkpoint(store, step: 4)
            try checkpoint(store, step: 8)
            for path in [run, run + "/checkpoints", run + "/checkpoints/latest"] {
                let found = try ModelReference(resolving: path)
                #expect(found.directory == run + "/checkpoints/step-0000008")
                #expect(found.note == "\(path) resolves to \(run)/checkpoints/step-0000008, its newest verified checkpoint (step 8)")
            }
            let plain = try ModelReference(resolving: run + "/checkpoints/step-0000004")
            #expect(plain.directory == run + "/checkpoints/step-0000004" && plain.note == nil)

            // A corrupt newest checkpoint is passed over, and says so.
            try Data("corrupt".utf8).write(to: URL(fileURLWithPath: run + "/checkpoints/step-0000008/model.safetensors"))
            let older = try ModelReference(resolving: run)
            #expect(older.directory == run + "/checkpoints/step-0000004")
            #expect(older.note?.contains("passed over: \(run)/checkpoints/step-0000008: ") == true)
            try Data("corrupt".utf8).write(to: URL(fileURLWithPath: run + "/checkpoints/step-0000004/model.safetensors"))
            #expect(throws: CheckpointError.self) { try ModelReference(resolving: run) }
        }
    }

    @Test func aPathThatIsNoneOfTheFormsIsNamed() throws {
        _ = try withTemporaryDirectory { dir in
            #expect(throws: ModelError.missingFile(path: dir + "/config.json (nor a run directory with checkpoints/, nor a checkpoints/latest pointer)")) {
                try ModelReference(resolving: dir)
            }
        }
    }
}
