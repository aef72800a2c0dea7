import Testing
@testable import Shared

extension CompressionTests {
    @Suite struct TopK {
        /// The k largest |a[i] − b[i]| by sorting: keys descending, ties by lower index, then ascending.
        static func reference(_ a: [Float], _ b: [Float], k: Int) -> [UInt32] {
            let keys = zip(a, b).map { ($0 - $1).bitPattern & 0x7FFF_FFFF }
            let order = keys.indices.sorted { keys[$0] != keys[$1] ? keys[$0] > keys[$1] : $0 < $1 }
            return order.prefix(k).map { UInt32($0) }.sorted()
        }

        static func select(_ selector: TopKSelector, _ a: [Float], _ b: [Float], k: Int) -> [UInt32] {
            var indices = [UInt32](repeating: .max, count: k)
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    indices.withUnsafeMutableBufferPointer { selector.select(largestDifferencesOf: a, from: b, into: $0) }
                }
            }
            return indices
        }

        @Test func picksTheLargestDifferencesAndBreaksTiesByTheLowerIndex() {
            // |a − b| = [0, 5, 3, 2, 2, 0.5, 2, 7]: three-way tie at 2 (indices 3, 4, 6).
            let a: [Float] = [1, 5, -4, 2, 1, 0.5, -2, 9]
            let b: [Float] = [1, 0, -1, 0, -1, 0, 0, 2]
            let selector = TopKSelector(capacity: 16)
            let expected: [Int: [UInt32]] = [
                0: [], 1: [7], 2: [1, 7], 3: [1, 2, 7], 4: [1, 2, 3, 7], 5: [1, 2, 3, 4, 7],
                6: [1, 2, 3, 4, 6, 7], 7: [1, 2, 3, 4, 5, 6, 7], 8: [0, 1, 2, 3, 4, 5, 6, 7],
            ]
            for (k, indices) in expected.sorted(by: { $0.key < $1.key }) {
                #expect(Self.select(selector, a, b, k: k) == indices, "k = \(k)")
            }
        }

        @Test func signsAndZerosDoNotMatter() {
            let selector = TopKSelector(capacity: 8)
            // Equal magnitudes with opposite signs tie; -0 and +0 differ by nothing.
            #expect(Self.select(selector, [0, -3, 3, -0.0, 0], [0, 0, 0, 0, -0.0], k: 1) == [1])
            #expect(Self.select(selector, [0, -3, 3, -0.0, 0], [0, 0, 0, 0, -0.0], k: 3) == [0, 1, 2])
            #expect(Self.select(selector, [0, 0, 0, 0], [0, 0, 0, 0], k: 2) == [0, 1])
            #expect(Self.select(selector, [], [], k: 0) == [])
        }

        @Test func matchesSortingOnRandomVectorsWithManyTiesAndWideRanges() {
            var random = TestRandom(seed: 17)
            let selector = TopKSelector(capacity: 5000)
            var compared = 0, mismatches = 0
            for trial in 0..<24 {
                let n = [1, 2, 3, 100, 1000, 5000][trial % 6]
                let a: [Float], b: [Float]
                switch trial % 3 {
                case 0:  // few distinct values: large tie groups
                    a = (0..<n).map { _ in Float(Int.random(in: -6...6, using: &random)) * 0.25 }
                    b = (0..<n).map { _ in Float(Int.random(in: -2...2, using: &random)) * 0.25 }
                case 1:  // every exponent, so each radix digit is exercised
                    a = (0..<n).map { _ in Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &random) & 0xFF7F_FFFF) }
                    b = [Float](repeating: 0, count: n)
                default:  // Gaussian parameters and a nearby copy
                    a = (0..<n).map { _ in Float(random.normal()) }
                    b = a.map { $0 + Float(random.normal()) * 1e-3 }
                }
                for k in Set([0, 1, n / 100, n / 3, n - 1, n].filter { $0 >= 0 && $0 <= n }) {
                    compared += 1
                    if Self.select(selector, a, b, k: k) != Self.reference(a, b, k: k) { mismatches += 1 }
                }
            }
            print("top-k: \(compared) selections compared with sorting, \(mismatches) mismatches")
            #expect(mismatches == 0)
        }
    }
}
