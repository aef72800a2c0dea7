import Testing
@testable import Shared

extension CompressionTests {
    @Suite struct ErrorFeedback {
        @Test func selectionCountIsTheSmallestShareAtLeastTheFraction() {
            let cases: [(fraction: Double, count: Int, k: Int)] = [
                (0.01, 100, 1), (0.01, 150, 2), (0.01, 50, 1), (0.07, 100, 7), (0.3, 10, 3),
                (0.001, 1_000_000, 1000), (0.001, 1_000_001, 1001), (1e-9, 5, 1), (1, 7, 7), (0.5, 1, 1), (0.5, 0, 0),
            ]
            for (fraction, count, k) in cases {
                #expect(PublicCopy.selectionCount(fraction: fraction, count: count) == k, "\(fraction) of \(count)")
            }
        }

        @Test func anUpdateSendsTheLargestDifferencesAndCopiesThemExactly() {
            let initial: [Float] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
            let copy = initial.withUnsafeBufferPointer { PublicCopy(initial: $0, fraction: 0.3) }
            #expect(copy.selectionCount == 3)
            // Differences 1, 2, 0.001, 1, 1 at indices 1, 4, 6, 8, 9: after 4, the tie at 1 takes 1 and 8.
            let master: [Float] = [0, 2, 2, 3, 2, 5, 6.001, 7, 9, 8]
            let update = master.withUnsafeBufferPointer { copy.update(master: $0) }
            #expect(update == SparseUpdate(indices: [1, 4, 8], values: [2, 2, 9]))
            #expect(Array(copy.values) == [0, 2, 2, 3, 2, 5, 6, 7, 9, 9])
            // 9 (difference 1) and 6 (0.001) stayed behind and go next, with 0 (no difference) by index.
            let next = master.withUnsafeBufferPointer { copy.update(master: $0) }
            #expect(next == SparseUpdate(indices: [0, 6, 9], values: [0, 6.001, 8]))
            #expect(Array(copy.values) == master)
        }

        @Test func aSmallPersistentDifferenceIsEventuallySent() {
            // Coordinate 0 drifts by 0.001 a step; coordinates 1…9 swing by ±0.01 around their start, so
            // their difference from P never exceeds 0.02 while coordinate 0's keeps growing.
            let count = 10
            var master = [Float](repeating: 1, count: count)
            let server = master.withUnsafeBufferPointer { PublicCopy(initial: $0, fraction: 0.1) }
            var sentAt: Int?
            for step in 1...100 where sentAt == nil {
                master[0] += 0.001
                for j in 1..<count { master[j] = 1 + (step % 2 == 0 ? 0.01 : -0.01) * Float(j) / Float(count) }
                let update = master.withUnsafeBufferPointer { server.update(master: $0) }
                #expect(update.count == 1)
                if update.indices == [0] {
                    sentAt = step
                    #expect(update.values == [master[0]] && server.values[0] == master[0])
                } else {
                    #expect(server.values[0] == 1, "coordinate 0 keeps its whole difference until it is sent")
                }
            }
            print("error feedback: a drift of 0.001 per step was sent at step \(sentAt.map(String.init) ?? "never")")
            #expect(sentAt != nil && sentAt! > 1)
        }

        @Test func workersApplyingEveryUpdateHoldThePublicCopyWhichReachesTheMasterOnceItStops() throws {
            var random = TestRandom(seed: 5)
            let count = 1000
            var master = (0..<count).map { _ in Float(random.normal()) }
            let server = master.withUnsafeBufferPointer { PublicCopy(initial: $0, fraction: 0.02) }
            let mirror = master.withUnsafeBufferPointer { PublicCopy(initial: $0, fraction: 0.02) }
            var worker = master  // a worker's parameters, updated from frames
            var steps = 0
            func step() throws -> SparseUpdate {
                steps += 1
                let update = master.withUnsafeBufferPointer { server.update(master: $0) }
                mirror.apply(update)
                _ = try worker.withUnsafeMutableBufferPointer {
                    try SparseUpdateFrame.apply(SparseUpdateFrame.payload(update), to: $0, frame: "shard 0 parameters")
                }
                #expect(Array(mirror.values).map(\.bitPattern) == Array(server.values).map(\.bitPattern))
                #expect(worker.map(\.bitPattern) == Array(server.values).map(\.bitPattern))
                return update
            }
            // 20 optimizer steps move every coordinate a little; 20 of 1000 go out each step.
            for _ in 0..<20 {
                for i in 0..<count { master[i] -= Float(random.normal()) * 1e-3 }
                let update = try step()
                #expect(update.count == 20)
            }
            #expect(Array(server.values) != master)
            // Then the master stops: each update closes 20 of the remaining differences.
            let behind = zip(server.values, master).filter { $0 != $1 }.count
            while Array(server.values) != master && steps < 200 { _ = try step() }
            print("error feedback: \(behind) coordinates behind when the master stopped, caught up after \(steps - 20) updates")
            #expect(server.values.map(\.bitPattern) == master.map(\.bitPattern))
            #expect(steps - 20 == (behind + 19) / 20)
        }
    }
}
