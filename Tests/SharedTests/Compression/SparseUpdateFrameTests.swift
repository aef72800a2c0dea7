import Testing
@testable import Shared

extension CompressionTests {
    @Suite struct SparseFrames {
        /// A frame with this header count, indices and values, well-formed or not.
        static func frame(count: UInt32, indices: [UInt32], values: [Float]) -> WireMessage.Payload {
            .bytes(withUnsafeBytes(of: count.littleEndian) { Array($0) }
                + indices.withUnsafeBytes { Array($0) } + values.withUnsafeBytes { Array($0) })
        }

        @Test func theFrameLayoutIsCountThenIndicesThenValues() throws {
            let update = SparseUpdate(indices: [1, 4], values: [0.5, -2])
            let payload = SparseUpdateFrame.payload(update)
            let bytes = payload.withUnsafeBytes { Array($0) }
            #expect(bytes == [2, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0x3F, 0, 0, 0, 0xC0])
            #expect(SparseUpdateFrame.byteCount(entries: 2) == 20)
            #expect(try SparseUpdateFrame.decode(payload, shardCount: 5, frame: "s") == update)
            var copy: [Float] = [9, 9, 9, 9, 9]
            let applied = try copy.withUnsafeMutableBufferPointer { try SparseUpdateFrame.apply(payload, to: $0, frame: "s") }
            #expect(applied == 2 && copy == [9, 0.5, 9, 9, -2])
        }

        @Test func emptyAndFullUpdatesRoundTrip() throws {
            let empty = SparseUpdate(indices: [], values: [])
            #expect(SparseUpdateFrame.payload(empty).byteCount == 4)
            #expect(try SparseUpdateFrame.decode(SparseUpdateFrame.payload(empty), shardCount: 0, frame: "s") == empty)
            let full = SparseUpdate(indices: [0, 1, 2], values: [Float(0x1p101).nextDown, -.leastNonzeroMagnitude, -0.0])
            var copy: [Float] = [1, 1, 1]
            _ = try copy.withUnsafeMutableBufferPointer { try SparseUpdateFrame.apply(SparseUpdateFrame.payload(full), to: $0, frame: "s") }
            #expect(copy.map(\.bitPattern) == full.values.map(\.bitPattern))
        }

        @Test func malformedFramesAreRefusedAndLeaveTheCopyAlone() {
            let name = "shard 1 parameters"
            let cases: [(payload: WireMessage.Payload, error: WireError, what: String)] = [
                (.bytes([2, 0, 0]), .frameSize(frame: "\(name) (sparse update)", expectedBytes: 4, actualBytes: 3), "shorter than the count"),
                (.bytes([]), .frameSize(frame: "\(name) (sparse update)", expectedBytes: 4, actualBytes: 0), "empty"),
                (Self.frame(count: 3, indices: [1, 2], values: [1, 1]),
                 .frameSize(frame: "\(name) (sparse update)", expectedBytes: 28, actualBytes: 20), "count above the entries"),
                (Self.frame(count: 1, indices: [1, 2], values: [1, 1]),
                 .frameSize(frame: "\(name) (sparse update)", expectedBytes: 12, actualBytes: 20), "count below the entries"),
                (.bytes(Self.frame(count: 1, indices: [1], values: [1]).withUnsafeBytes { Array($0) } + [0]),
                 .frameSize(frame: "\(name) (sparse update)", expectedBytes: 12, actualBytes: 13), "a trailing byte"),
                (Self.frame(count: 11, indices: [], values: []),
                 .valueOutOfRange(frame: "\(name) entry count", index: 0, value: 11, allowed: "0 to 10 (the shard's size)"), "more entries than coordinates"),
                (Self.frame(count: .max, indices: [], values: []),
                 .valueOutOfRange(frame: "\(name) entry count", index: 0, value: 4_294_967_295, allowed: "0 to 10 (the shard's size)"), "count 2^32 − 1"),
                (Self.frame(count: 3, indices: [2, 7, 5], values: [1, 1, 1]),
                 .valueOutOfRange(frame: "\(name) indices", index: 2, value: 5, allowed: "above the previous index (7)"), "unsorted"),
                (Self.frame(count: 3, indices: [2, 7, 7], values: [1, 1, 1]),
                 .valueOutOfRange(frame: "\(name) indices", index: 2, value: 7, allowed: "above the previous index (7)"), "duplicate"),
                (Self.frame(count: 2, indices: [3, 10], values: [1, 1]),
                 .valueOutOfRange(frame: "\(name) indices", index: 1, value: 10, allowed: "0 to 9 (the shard's indices)"), "past the shard"),
                (Self.frame(count: 1, indices: [UInt32.max], values: [1]),
                 .valueOutOfRange(frame: "\(name) indices", index: 0, value: 4_294_967_295, allowed: "0 to 9 (the shard's indices)"), "index 2^32 − 1"),
                (Self.frame(count: 2, indices: [3, 4], values: [1, -.infinity]),
                 .nonFinite(frame: "\(name) values", index: 1, value: -.infinity), "an infinite value"),
                (Self.frame(count: 2, indices: [3, 4], values: [0x1p101, 1]),
                 .tooLarge(frame: "\(name) values", index: 0, value: 0x1p101), "a value of 2^101"),
            ]
            var copy = [Float](repeating: 9, count: 10)
            for (payload, error, what) in cases {
                #expect(throws: error, "\(what)") {
                    try copy.withUnsafeMutableBufferPointer { try SparseUpdateFrame.apply(payload, to: $0, frame: name) }
                }
                #expect(throws: error, "\(what)") { try SparseUpdateFrame.decode(payload, shardCount: 10, frame: name) }
            }
            do {
                _ = try copy.withUnsafeMutableBufferPointer {
                    try SparseUpdateFrame.apply(Self.frame(count: 2, indices: [0, 9], values: [.nan, 1]), to: $0, frame: name)
                }
                Issue.record("a NaN value was accepted")
            } catch let WireError.nonFinite(frame, index, value) {
                #expect(frame == "\(name) values" && index == 0 && value.isNaN)
            } catch {
                Issue.record("unexpected error \(error)")
            }
            #expect(copy == [Float](repeating: 9, count: 10))
        }
    }
}
