import Foundation
import Testing
@testable import Shared

/// `dataset_mixer`: the first ⌊fraction × rows⌋ rows of each file, concatenated and shuffled with the
/// seed, the same order on every run.
struct DatasetMixerTests {
    func textRow(_ prompt: String) -> String {
        #"{"prompt":"\#(prompt)","chosen":"c","rejected":"r","is_chosen_safe":1,"is_rejected_safe":1}"#
    }

    func prompts(_ rows: [DatasetRow]) -> [String] {
        rows.map { row in
            guard case .text(let text) = row else { return "?" }
            return text.prompt.last?.content ?? "?"
        }
    }

    @Test func fractionsTakeTheFloorOfEachFileAndTheSeedFixesTheOrder() throws {
        try withTemporaryDirectory { directory in
            let a = (directory as NSString).appendingPathComponent("a.jsonl")
            let b = (directory as NSString).appendingPathComponent("b.json")
            try (1...4).map { textRow("a\($0)") }.joined(separator: "\n").write(toFile: a, atomically: true, encoding: .utf8)
            try ("[" + (1...5).map { textRow("b\($0)") }.joined(separator: ",\n") + "]").write(toFile: b, atomically: true, encoding: .utf8)
            // ⌊0.5 × 4⌋ = 2 rows of a, ⌊0.7 × 5⌋ = 3 rows of b (0.7 × 5 = 3.5).
            let mixer = DatasetMixer(sources: [.init(path: a, fraction: 0.5), .init(path: b, fraction: 0.7, format: .text)], seed: 42)
            let mixed = try mixer.load()
            #expect(mixed.files.map(\.selectedRows) == [2, 3])
            #expect(mixed.needsTokenizer)
            #expect(Set(prompts(mixed.rows)) == ["a1", "a2", "b1", "b2", "b3"])
            #expect(prompts(mixed.rows) == ["a1", "a2", "b2", "b3", "b1"])
            #expect(prompts(try mixer.load().rows) == prompts(mixed.rows))
            var other = mixer
            other.seed = 43
            #expect(prompts(try other.load().rows) != prompts(mixed.rows))
            // The order is DatasetOrder's permutation of the concatenation a1 a2 b1 b2 b3.
            let concatenation = ["a1", "a2", "b1", "b2", "b3"]
            #expect(DatasetOrder.permutation(count: 5, seed: 42).map { concatenation[$0] } == prompts(mixed.rows))

            let none = DatasetMixer(sources: [.init(path: a, fraction: 0)], seed: 1)
            #expect(datasetError { _ = try none.load() } == .invalidMixer("its fractions select no row"))
        }
    }

    @Test func invalidMixersAreRefused() {
        #expect(datasetError { try DatasetMixer(sources: [], seed: 0).validate() } == .invalidMixer("it lists no dataset"))
        #expect(datasetError { try DatasetMixer(sources: [.init(path: "x"), .init(path: "x")], seed: 0).validate() }
                == .invalidMixer("x is listed twice"))
        #expect(datasetError { try DatasetMixer(sources: [.init(path: "x", fraction: 1.2)], seed: 0).validate() }
                == .invalidMixer("the fraction of x must be between 0 and 1, got 1.2"))
        #expect(datasetError { try DatasetMixer(sources: [.init(path: "x", fraction: .nan)], seed: 0).validate() } != nil)
    }

    @Test func mixConcatenatesInOrderThenShuffles() {
        #expect(DatasetMixer.mix([[0, 1, 2], [3, 4]], seed: 7) == DatasetOrder.permutation(count: 5, seed: 7))
        #expect(DatasetMixer.mix([[Int]](), seed: 7).isEmpty)
    }
}

/// The helpfulness buffer: each batch takes `pairsPerBatch` rows of an epoch's buffer stream, a
/// sequence of seeded permutations, as a pure function of (epoch, batch).
struct BufferStreamTests {
    @Test func batchesWalkThroughCyclesOfPermutations() throws {
        let stream = try BufferStream(count: 5, pairsPerBatch: 3, seed: 1)
        let cycle0 = stream.order(epoch: 0, cycle: 0), cycle1 = stream.order(epoch: 0, cycle: 1)
        #expect(cycle0.sorted() == [0, 1, 2, 3, 4] && cycle1.sorted() == [0, 1, 2, 3, 4])
        #expect(stream.indices(epoch: 0, batch: 0) == Array(cycle0[0..<3]))
        // Batch 1 takes positions 3, 4, 5: the end of cycle 0 and the start of cycle 1.
        #expect(stream.indices(epoch: 0, batch: 1) == Array(cycle0[3..<5]) + [cycle1[0]])
        #expect(stream.indices(epoch: 0, batch: 0) == [3, 0, 2])
        #expect(stream.indices(epoch: 0, batch: 1) == [4, 1, 3])
        #expect(stream.indices(epoch: 1, batch: 0) == [4, 0, 2])
        // Leasing out of order or again gives the same rows.
        #expect(stream.indices(epoch: 0, batch: 1) == stream.indices(epoch: 0, batch: 1))
    }

    @Test func everyBufferRowAppearsOncePerCycle() throws {
        let stream = try BufferStream(count: 7, pairsPerBatch: 2, seed: 99)
        // 7 batches of 2 = 14 positions = exactly two cycles.
        let positions = (0..<7).flatMap { stream.indices(epoch: 3, batch: $0) }
        #expect(positions[0..<7].sorted() == Array(0..<7))
        #expect(positions[7..<14].sorted() == Array(0..<7))
        #expect(stream.order(epoch: 3, cycle: 0) != stream.order(epoch: 4, cycle: 0))
        #expect(BufferStream.cycleSeed(seed: 99, epoch: 0, cycle: 1) != BufferStream.cycleSeed(seed: 99, epoch: 1, cycle: 0))
    }

    @Test func aMixedBatchCarriesBothStreamsAndTheReferenceWeights() throws {
        let stream = try BufferStream(count: 5, pairsPerBatch: 2, seed: 1)
        let batch = stream.batch(main: [10, 11, 12, 13], epoch: 0, batch: 0)
        #expect(batch.main == [10, 11, 12, 13])
        #expect(batch.buffer == stream.indices(epoch: 0, batch: 0) && batch.buffer.count == 2)
        #expect(batch.mainWeight == 0.25 && batch.bufferWeight == 0.5)
        #expect(throws: DatasetError.self) { _ = try BufferStream(count: 0, pairsPerBatch: 1, seed: 0) }
        #expect(throws: DatasetError.self) { _ = try BufferStream(count: 3, pairsPerBatch: 0, seed: 0) }
    }
}
