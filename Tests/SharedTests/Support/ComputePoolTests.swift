import Foundation
import Testing
@testable import Shared

/// The pool runs every task exactly once on a valid slot, and cuts ranges at the promised bounds.
struct ComputePoolTests {
    @Test func everyTaskRunsOnceOnAValidSlot() {
        let pool = ComputePool(threads: 3)
        let lock = NSLock()
        for count in [0, 1, 2, 3, 7, 100] {
            var seen = [Int](repeating: 0, count: count)
            var slots = Set<Int>()
            pool.run(count) { index, slot in
                lock.lock()
                seen[index] += 1
                slots.insert(slot)
                lock.unlock()
            }
            #expect(seen.allSatisfy { $0 == 1 }, "count \(count)")
            #expect(slots.allSatisfy { (0..<3).contains($0) })
        }
    }

    @Test func rangesPartitionTheCountAtAlignedBounds() {
        #expect(ComputePool.partCount(0, parts: 4, alignment: 64) == 0)
        #expect(ComputePool.partCount(100, parts: 4, alignment: 64) == 2)
        #expect(ComputePool.partCount(1000, parts: 4, alignment: 1) == 4)
        for (count, parts, alignment) in [(1, 3, 1), (100, 2, 64), (1000, 3, 64), (17, 4, 16), (480, 3, 64), (5, 8, 1)] {
            let used = ComputePool.partCount(count, parts: parts, alignment: alignment)
            let ranges = (0..<used).map { ComputePool.range($0, of: used, count: count, alignment: alignment) }
            #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == count)
            #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
            #expect(ranges.allSatisfy { !$0.isEmpty })
            #expect(ranges.dropLast().allSatisfy { $0.upperBound % alignment == 0 }, "\(count) in \(parts) at \(alignment): \(ranges)")
        }
    }

    @Test func aSerialPoolRunsOnTheCaller() {
        var order: [Int] = []
        ComputePool(threads: 1).run(4) { index, slot in
            #expect(slot == 0)
            order.append(index)
        }
        #expect(order == [0, 1, 2, 3])
    }
}
